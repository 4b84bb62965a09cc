"""rl: TRPO and its family as adapters onto trustopt's solvers.

A batch of experience and the policy that collected it become trustopt
problems (``rl.problem``): the negated surrogate −L(θ) (``rl.surrogates``) as
an Objective or a minibatch MeanObjective, the mean KL between old and new
policy as a Divergence with a Gauss–Newton Fisher product. Each algorithm is
one entry in ``rl.updates`` — a surrogate and a trustopt solver — around one
training loop (``rl.loop``); ``rl`` writes no optimizer.
"""
