"""rl: TRPO and its variants as adapters onto trustopt's solvers.

A policy surrogate −L(θ) becomes a ``trustopt.Objective`` and the mean KL
divergence between old and new policy a ``trustopt.Divergence``; the
algorithms are choices of trustopt solver around one training loop.
"""
