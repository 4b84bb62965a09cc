"""A run's configuration: one dataclass, every field documented where it is declared.

Each field carries its help text and the source of its default in the
dataclass metadata, so ``python -m rl config --algo ppo`` can list fields,
defaults and sources. Some defaults depend on the algorithm (PPO takes its
step size, epochs and GAE λ from Schulman et al. 2017 and SB3, TRPO from the
TRPO paper and Spinning Up): :func:`make_config` applies the algorithm's table
:data:`ALGO_DEFAULTS` under the user's own values. A ``Config`` read back
from a run's ``config.json`` already holds every value explicitly.
"""

from __future__ import annotations

import json
import math
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any

__all__ = [
    "ADDED_FIELDS", "ALGORITHM_NAMES", "ALGO_DEFAULTS", "FAMILY_DEFAULTS", "PRESETS", "Config", "env_family",
    "make_config", "parse_value", "describe",
]

#: The policy-update algorithms, in the order the CLI lists them.
ALGORITHM_NAMES = ("trpo", "npg", "ppo", "ppo-penalty", "vpg")

_ALL = ALGORITHM_NAMES
_TRUST = ("trpo", "npg")
_PPO = ("ppo", "ppo-penalty")
_ADAM_POLICY = ("ppo", "ppo-penalty", "vpg")


def _f(default: Any, help: str, source: str = "", algos: tuple[str, ...] = _ALL) -> Any:
    """A dataclass field with its documentation in the metadata."""
    kwargs: dict[str, Any] = {"metadata": {"help": help, "source": source, "algos": algos}}
    if isinstance(default, (list, dict)):
        kwargs["default_factory"] = lambda: default
    else:
        kwargs["default"] = default
    return field(**kwargs)


@dataclass
class Config:
    """Everything that defines a run (see each field's metadata for its help and source)."""

    algo: str = _f("trpo", f"policy-update algorithm: one of {', '.join(ALGORITHM_NAMES)}")
    env_id: str = _f("CartPole-v1", "a registered gymnasium id (module:Env-v0 ids need --allow-import)")
    env_kwargs: dict[str, Any] | None = _f(None, "keyword arguments for the environment's constructor (a JSON object)")
    total_steps: int = _f(100_000, "environment steps to train for")
    seed: int = _f(0, "seeds parameters, environments and action sampling (≥ 0)")
    n_envs: int = _f(8, "environments stepped side by side")
    n_steps: int = _f(128, "steps per environment per iteration; the batch is n_envs × n_steps",
                      "8 × 128 = 1024 for TRPO/NPG: small batches and many updates suit CartPole "
                      "(Spinning Up uses 4000, modular_rl 5000 on MuJoCo)")
    gamma: float = _f(0.99, "discount γ", "Schulman et al. 2016 (GAE) §6; Spinning Up")
    lam: float = _f(0.97, "GAE λ", "0.97: Schulman et al. 2016 §6 for TRPO; 0.95 for PPO (Schulman et al. 2017, Table 3)")
    normalize_advantages: bool = _f(True, "standardize advantages per batch (per minibatch for PPO, as SB3)")
    entropy_coef: float = _f(0.0, "weight c of the mean-entropy bonus added to the surrogate",
                             "0: TRPO has none; SB3 PPO's ent_coef default 0")
    entropy_anneal: float = _f(1.0, "the entropy bonus's weight at the end of training as a fraction of "
                               "entropy_coef: it falls linearly to this fraction over total_steps; 1 keeps it "
                               "constant", "1: constant, as SB3's ent_coef")
    # -- TRPO / NPG ----------------------------------------------------------------
    max_kl: float = _f(0.01, "δ, the bound on the mean KL per policy update",
                       "Schulman et al. 2015; Spinning Up's delta", _TRUST)
    cg_iters: int = _f(10, "conjugate-gradient iterations for F⁻¹g", "modular_rl; Spinning Up", _TRUST)
    cg_damping: float = _f(0.1, "damping λ added to the Fisher matrix in CG", "modular_rl; Spinning Up", _TRUST)
    backtrack_factor: float = _f(0.8, "line-search shrink factor ρ", "Spinning Up's backtrack_coeff", ("trpo",))
    backtrack_iters: int = _f(10, "line-search trials, the full step included", "Spinning Up", ("trpo",))
    accept_ratio: float | None = _f(None, "minimum actual/expected improvement for a line-search step (null = off)",
                                    "off as Spinning Up; modular_rl uses 0.1", ("trpo",))
    fisher_fraction: float = _f(1.0, "share of the batch's states used for Fisher-vector products",
                                "the TRPO paper's subsampling (§6); 1 = all", _TRUST)
    # -- every policy update --------------------------------------------------------
    step_anneal: float = _f(1.0, "the policy step size at the end of training as a fraction of its start: δ "
                            "(TRPO, NPG) or the Adam step size (PPO, PPO-penalty, VPG) falls linearly to this "
                            "fraction of its value over total_steps; 1 keeps it constant",
                            "1: constant, as Schulman et al. 2015 and Spinning Up (OpenAI baselines' PPO on "
                            "MuJoCo and rl-baselines3-zoo's 'lin_' schedules anneal to 0); measured: TRPO on "
                            "Hopper-v5, 1M steps, seeds 0–4, annealing to 0 ends at median 3,073 against 3,267")
    # -- first-order policy updates (PPO, PPO-penalty, VPG) ------------------------
    policy_lr: float = _f(3e-4, "Adam step size of the policy",
                          "3e-4: Schulman et al. 2017 Table 3, SB3 and CleanRL PPO; Spinning Up VPG's pi_lr",
                          _ADAM_POLICY)
    policy_epochs: int = _f(10, "passes over the batch per policy update",
                            "10: Schulman et al. 2017 Table 3 and SB3's n_epochs", _ADAM_POLICY)
    policy_batch_size: int = _f(64, "minibatch size of the policy update (0 = the whole batch)",
                                "64: Schulman et al. 2017 Table 3 and SB3's batch_size", _ADAM_POLICY)
    max_grad_norm: float | None = _f(0.5, "clip each minibatch gradient to this global 2-norm (null = off)",
                                     "0.5: SB3 and CleanRL PPO", _ADAM_POLICY)
    clip_range: float = _f(0.2, "ε of PPO's clipped ratio", "Schulman et al. 2017 Table 3; SB3", ("ppo",))
    target_kl: float | None = _f(None, "stop the epochs early once the approximate KL exceeds 1.5·target_kl (null = off)",
                                 "off as SB3's default; SB3 and Spinning Up stop at 1.5·target_kl", ("ppo",))
    kl_target: float = _f(0.01, "d_targ of PPO's adaptive KL penalty",
                          "Schulman et al. 2017 §4 (0.01 among the values studied)", ("ppo-penalty",))
    kl_beta_init: float = _f(1.0, "initial penalty β", "Schulman et al. 2017 §4 (β₀ = 1; the rule adapts it quickly)",
                             ("ppo-penalty",))
    # -- networks --------------------------------------------------------------------
    hidden: tuple[int, ...] = _f((64, 64), "policy MLP hidden widths", "Spinning Up; SB3 MlpPolicy")
    activation: str = _f("tanh", "hidden activation: tanh or relu", "Spinning Up; SB3")
    log_std_init: float = _f(0.0, "initial log σ of a Gaussian policy", "0 (σ = 1): SB3, Spinning Up")
    vf_hidden: tuple[int, ...] = _f((64, 64), "value MLP hidden widths", "Spinning Up; SB3")
    # -- value fit -------------------------------------------------------------------
    vf_optimizer: str = _f("lbfgs", "value-function fit: lbfgs (full batch) or adam (minibatches)",
                           "L-BFGS as modular_rl for TRPO/NPG; Adam for PPO/VPG as SB3/Spinning Up")
    vf_iters: int = _f(10, "L-BFGS iterations of the value fit",
                       "modular_rl uses 25; 10 measured here: CartPole median steps to 475 16.4k → 17.4k "
                       "at 13.3k → 18.6k steps/s, Pendulum unchanged")
    vf_l2: float = _f(1e-3, "L2 weight of the value fit", "modular_rl's small L2 penalty")
    vf_lr: float = _f(1e-3, "Adam step size of the value fit", "Spinning Up's vf_lr 1e-3")
    vf_epochs: int = _f(10, "Adam passes over the batch in the value fit", "Schulman et al. 2017 Table 3")
    vf_batch_size: int = _f(64, "Adam minibatch size of the value fit", "Schulman et al. 2017 Table 3")
    # -- observations and environments ---------------------------------------------
    normalize_obs: bool | None = _f(None, "running observation normalization (null = on for Box observations)",
                                    "OpenAI baselines' TRPO")
    clip_obs: float = _f(10.0, "clip normalized observations to ±clip_obs", "baselines' VecNormalize")
    norm_reward: bool = _f(False, "divide rewards by a running std of the discounted return (statistics saved with the agent)",
                           "baselines' VecNormalize(norm_reward=True); Engstrom et al. 2020's reward scaling")
    clip_reward: float = _f(10.0, "clip scaled rewards to ±clip_reward", "baselines' VecNormalize")
    vectorization: str = _f("sync", "gymnasium vector env mode: sync or async", "sync: async measured slower on 2 cores")
    # -- evaluation during training ------------------------------------------------
    eval_every: int = _f(0, "evaluate every this many environment steps (0 = off); the best checkpoint is kept in best/",
                         "evaluation on separate seeded envs with the normalization frozen, as SB3's EvalCallback")
    eval_episodes: int = _f(10, "episodes per evaluation, deterministic and stochastic each", "SB3 EvalCallback's 5; 10 here")
    # -- sampling workers (rl.workers): the batch for a seed is the same for every n_workers ---------
    n_workers: int | str = _f("auto", "sampling workers W, each stepping a block of the n_envs environments; "
                              "'auto': rl.workers.auto_workers (min(available cores, n_envs); 1 on one core)",
                              "measured in benchmarks/scale.py")
    sampler_backend: str = _f("process", "where workers run: process (forked on this machine) or ray "
                              "(Ray actors; pip install -e '.[ray]', --ray-address to join a cluster)")

    def __post_init__(self) -> None:
        for f in fields(self):
            setattr(self, f.name, _check_type(f, getattr(self, f.name)))
        self._check_ranges()

    def _check_ranges(self) -> None:
        def positive(x: float) -> bool:
            return x > 0 and math.isfinite(x)

        checks = [
            (self.algo in ALGORITHM_NAMES, "algo", f"one of {', '.join(ALGORITHM_NAMES)}"),
            (self.total_steps >= 1, "total_steps", "≥ 1"),
            (self.seed >= 0, "seed", "≥ 0"),
            (self.n_envs >= 1, "n_envs", "≥ 1"),
            (self.n_steps >= 1, "n_steps", "≥ 1"),
            (0.0 <= self.gamma <= 1.0, "gamma", "in [0, 1]"),
            (0.0 <= self.lam <= 1.0, "lam", "in [0, 1]"),
            (self.entropy_coef >= 0 and math.isfinite(self.entropy_coef), "entropy_coef", "finite and ≥ 0"),
            (0.0 <= self.entropy_anneal <= 1.0, "entropy_anneal", "in [0, 1]"),
            (positive(self.max_kl), "max_kl", "positive and finite"),
            (self.cg_iters >= 1, "cg_iters", "≥ 1"),
            (self.cg_damping >= 0 and math.isfinite(self.cg_damping), "cg_damping", "finite and ≥ 0"),
            (0.0 < self.backtrack_factor < 1.0, "backtrack_factor", "in (0, 1)"),
            (self.backtrack_iters >= 1, "backtrack_iters", "≥ 1"),
            (self.accept_ratio is None or 0.0 <= self.accept_ratio < 1.0, "accept_ratio", "in [0, 1) or null"),
            (0.0 < self.fisher_fraction <= 1.0, "fisher_fraction", "in (0, 1]"),
            (positive(self.policy_lr), "policy_lr", "positive and finite"),
            (0.0 <= self.step_anneal <= 1.0, "step_anneal", "in [0, 1]"),
            (self.policy_epochs >= 1, "policy_epochs", "≥ 1"),
            (self.policy_batch_size >= 0, "policy_batch_size", "≥ 0 (0 = whole batch)"),
            (self.max_grad_norm is None or positive(self.max_grad_norm), "max_grad_norm", "positive or null"),
            (0.0 < self.clip_range < 1.0, "clip_range", "in (0, 1)"),
            (self.target_kl is None or positive(self.target_kl), "target_kl", "positive or null"),
            (positive(self.kl_target), "kl_target", "positive and finite"),
            (positive(self.kl_beta_init), "kl_beta_init", "positive and finite"),
            (all(h >= 1 for h in self.hidden), "hidden", "a list of positive widths"),
            (all(h >= 1 for h in self.vf_hidden), "vf_hidden", "a list of positive widths"),
            (self.activation in ("tanh", "relu"), "activation", "'tanh' or 'relu'"),
            (math.isfinite(self.log_std_init), "log_std_init", "finite"),
            (self.vf_optimizer in ("lbfgs", "adam"), "vf_optimizer", "'lbfgs' or 'adam'"),
            (self.vf_iters >= 1, "vf_iters", "≥ 1"),
            (self.vf_l2 >= 0 and math.isfinite(self.vf_l2), "vf_l2", "finite and ≥ 0"),
            (positive(self.vf_lr), "vf_lr", "positive and finite"),
            (self.vf_epochs >= 1, "vf_epochs", "≥ 1"),
            (self.vf_batch_size >= 1, "vf_batch_size", "≥ 1"),
            (positive(self.clip_obs), "clip_obs", "positive and finite"),
            (positive(self.clip_reward), "clip_reward", "positive and finite"),
            (self.vectorization in ("sync", "async"), "vectorization", "'sync' or 'async'"),
            (self.eval_every >= 0, "eval_every", "≥ 0 (0 = off)"),
            (self.eval_episodes >= 1, "eval_episodes", "≥ 1"),
            (self.n_workers == "auto" or isinstance(self.n_workers, int) and 1 <= self.n_workers <= self.n_envs,
             "n_workers", "'auto' or an integer in [1, n_envs]"),
            (self.sampler_backend in ("process", "ray"), "sampler_backend", "'process' or 'ray'"),
        ]
        for ok, name, what in checks:
            if not ok:
                raise ValueError(f"{name} must be {what}; got {getattr(self, name)!r}")

    @property
    def batch_size(self) -> int:
        """Transitions per iteration, n_envs × n_steps."""
        return self.n_envs * self.n_steps

    def at_step(self, steps: int) -> Config:
        """The config a policy update after ``steps`` environment steps uses: δ and the
        policy's Adam step size scaled by 1 − (1 − step_anneal)·steps/total_steps, the
        entropy weight by 1 − (1 − entropy_anneal)·steps/total_steps (this config itself
        when both are 1). steps must lie in [0, total_steps)."""
        if self.step_anneal == 1.0 and self.entropy_anneal == 1.0:
            return self
        if not 0 <= steps < self.total_steps:
            raise ValueError(f"steps must lie in [0, total_steps={self.total_steps}); got {steps!r}")
        progress = steps / self.total_steps
        step = 1.0 - (1.0 - self.step_anneal) * progress
        entropy = 1.0 - (1.0 - self.entropy_anneal) * progress
        return replace(self, max_kl=self.max_kl * step, policy_lr=self.policy_lr * step,
                       entropy_coef=self.entropy_coef * entropy)

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-ready (tuples as lists)."""
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "config") -> Config:
        """A Config from :meth:`to_dict` output; unknown or missing keys are an error naming ``source``
        (but for :data:`ADDED_FIELDS`, which a run saved before they existed lacks)."""
        if not isinstance(data, dict):
            raise ValueError(f"{source}: expected a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"{source}: unknown config keys {unknown}")
        # a run saved before a field existed lacks it; those fields' defaults reproduce how it ran
        filled = {name: _default(name) for name in ADDED_FIELDS if name not in data}
        missing = sorted(known - set(data) - set(filled))
        if missing:
            raise ValueError(f"{source}: missing config keys {missing}")
        try:
            return cls(**filled, **data)
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from None


#: Fields added after runs were first saved, each with a default that reproduces how a run
#: saved without it ran (evaluation off, the same batch for any number of workers, raw
#: rewards, constant step size and entropy weight). ``Config.from_dict`` fills them in;
#: any other missing key is an error, never a silent default.
ADDED_FIELDS = ("eval_every", "eval_episodes", "n_workers", "sampler_backend", "norm_reward", "clip_reward",
                "step_anneal", "entropy_anneal")


def _default(name: str) -> Any:
    f = Config.__dataclass_fields__[name]
    return f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]


def _type_error(name: str, what: str, value: Any) -> ValueError:
    return ValueError(f"{name} must be {what}; got {value!r}")


def _check_type(f: Any, value: Any) -> Any:
    """``value`` checked against the field's declared type (values from JSON arrive untyped)."""
    name, kind = f.name, f.type
    optional = kind.endswith("| None")
    if value is None:
        if optional:
            return None
        raise _type_error(name, "given (not null)", value)
    base = kind.replace("| None", "").strip()
    is_bool = isinstance(value, bool)
    if base == "bool":
        if not is_bool:
            raise _type_error(name, "true or false", value)
        return value
    if base == "int":
        if is_bool or not isinstance(value, int):
            raise _type_error(name, "an integer", value)
        return value
    if base == "float":
        if is_bool or not isinstance(value, (int, float)):
            raise _type_error(name, "a number", value)
        if not math.isfinite(value):
            raise _type_error(name, "a finite number", value)
        return float(value)
    if base == "int | str":  # an integer or a keyword such as "auto" (the range check says which)
        if is_bool or not isinstance(value, (int, str)):
            raise _type_error(name, "an integer or a string", value)
        return value
    if base == "str":
        if not isinstance(value, str):
            raise _type_error(name, "a string", value)
        return value
    if base.startswith("tuple"):
        if not isinstance(value, (list, tuple)) or not all(isinstance(w, int) and not isinstance(w, bool) for w in value):
            raise _type_error(name, "a list of integer layer widths", value)
        return tuple(value)
    if base.startswith("dict"):
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise _type_error(name, "a JSON object (or null)", value)
        return value
    raise AssertionError(f"unhandled field type {kind} for {name}")


#: Defaults that depend on the algorithm, applied by :func:`make_config` under the
#: user's own values. Each entry's reason is beside it.
ALGO_DEFAULTS: dict[str, dict[str, Any]] = {
    "trpo": {},
    "npg": {},
    # Schulman et al. 2017 Table 3 (MuJoCo) and SB3's PPO: λ 0.95, Adam 3e-4, 10 epochs
    # of minibatch 64, clip 0.2, grad-norm clip 0.5; value fit by Adam minibatches as SB3.
    # SB3's n_steps is 2048 with one env; here 8 envs × 128 = 1024 transitions per update:
    # measured on CartPole-v1 (seeds 0–2) 23.6k / 28.7k / 32.8k steps to 475 against
    # 51.2k / … with 8 × 256 (benchmarks/rl.py has 5 seeds).
    "ppo": {"lam": 0.95, "n_steps": 128, "vf_optimizer": "adam", "vf_lr": 3e-4},
    "ppo-penalty": {"lam": 0.95, "n_steps": 128, "vf_optimizer": "adam", "vf_lr": 3e-4},
    # Spinning Up's VPG: one Adam step on the whole batch per iteration, value fit by
    # Adam (vf_lr 1e-3). Its pi_lr 3e-4 learns CartPole far too slowly with one step per
    # batch; 1e-2 measured here (see benchmarks/rl.py).
    "vpg": {"policy_lr": 1e-2, "policy_epochs": 1, "policy_batch_size": 0, "max_grad_norm": None,
            "vf_optimizer": "adam"},
}

#: Per-environment settings the CLI applies unless told not to (``--no-preset``);
#: each says why it departs from the defaults.
PRESETS: dict[str, dict[str, Any]] = {
    # Pendulum's reward is dense and what matters happens within tens of steps, so
    # a shorter horizon (γ = λ = 0.95) gives far less noisy advantages; a larger batch
    # and δ = 0.02 then let each TRPO step move further. Measured: with the defaults,
    # TRPO seed 0 ends 200k steps at −700 (deterministic evaluation); with this preset at −152.
    "Pendulum-v1": {"gamma": 0.95, "lam": 0.95, "n_steps": 256, "max_kl": 0.02},
}


#: Defaults for a family of environments, applied by :func:`make_config` over the
#: algorithm's and under the env preset and the user's values. One rule per family,
#: never per environment id.
FAMILY_DEFAULTS: dict[str, dict[str, dict[str, Any]]] = {
    # MuJoCo locomotion (gymnasium.envs.mujoco: Hopper, HalfCheetah, Walker2d, Ant, …).
    # Tuned on Hopper-v5 and HalfCheetah-v5 only (benchmarks/mujoco.py); see the note
    # beside each value.
    "mujoco": {
        # TRPO (and NPG, which shares its natural direction; not measured on its own): a
        # batch of 8 × 256 = 2048 and rewards scaled by the running return std. Measured
        # on Hopper-v5, 300k steps, seeds 0–2, final deterministic return over 10 episodes:
        # the defaults 3,309 / 1,438 / 2,544; norm_reward alone 1,153 / 1,959 / 3,039;
        # with λ 0.95 1,896 / 2,966 / 3,387; with the 2048 batch 3,005 / 3,212 / 3,418
        # (benchmarks/mujoco.py --steps 300000 --seeds 3 --tag … --set …).
        # An entropy bonus of 0.01 annealed linearly to 0: early on it keeps σ from
        # shrinking onto the first gait found; late on it is gone, so σ shrinks again and
        # the mean action a deterministic evaluation takes is what the last updates
        # optimized. Hopper-v5, 1M steps, seeds 0–4, final deterministic return over 10
        # episodes, one machine: without it 3,195 / 3,466 / 1,781 / 2,512 / 2,097 (median
        # 2,512); with it 3,634 / 3,516 / 3,567 / 2,281 / 2,686 (median 3,516); 0.02
        # annealed: median 3,480; 0.01 constant: 3,553 / 3,588 / 292 / 1,227 / 3,671 (σ
        # kept near 1 to the end, final evaluations collapse); 0.003 constant: median
        # 2,378. Checked on HalfCheetah-v5: median 3,268 against 1,816 without it; run on
        # Walker2d-v5 (held out): median 3,293 against 3,773, worst seed 2,936 against 1,729.
        "trpo": {"n_steps": 256, "norm_reward": True, "entropy_coef": 0.01, "entropy_anneal": 0.0},
        "npg": {"n_steps": 256, "norm_reward": True, "entropy_coef": 0.01, "entropy_anneal": 0.0},
        # PPO keeps its defaults: norm_reward measured worse on Hopper-v5 (300k, seeds 0–2:
        # 1,321 / 1,254 / 1,092 against 3,265 / 2,690 / 570 without it).
        "ppo": {},
        "ppo-penalty": {},
        "vpg": {},
    },
}


def env_family(env_id: Any) -> str | None:
    """The family in :data:`FAMILY_DEFAULTS` a registered id belongs to (by its entry point), or None.

    A ``module:Env-v0`` id is never looked up (that would import the module).
    """
    if not isinstance(env_id, str) or ":" in env_id:
        return None
    import gymnasium

    try:
        entry_point = gymnasium.spec(env_id).entry_point
    except gymnasium.error.Error:
        return None  # an unknown id: Agent.create names it
    module = entry_point if isinstance(entry_point, str) else getattr(entry_point, "__module__", "")
    return "mujoco" if module.startswith("gymnasium.envs.mujoco") else None


def make_config(algo: str = "trpo", *, preset: bool = True, **overrides: Any) -> Config:
    """A Config for ``algo``: field defaults, the algorithm's, its env family's, the env preset, then ``overrides``."""
    if algo not in ALGORITHM_NAMES:
        raise ValueError(f"algo must be one of {', '.join(ALGORITHM_NAMES)}; got {algo!r}")
    env_id = overrides.get("env_id", Config.env_id)
    family = env_family(env_id)
    family_values = FAMILY_DEFAULTS[family][algo] if family else {}
    preset_values = PRESETS.get(env_id, {}) if preset and isinstance(env_id, str) else {}  # a bad id: Config names it
    values = {**ALGO_DEFAULTS[algo], **family_values, **preset_values, **overrides, "algo": algo}
    return Config(**values)


def parse_value(name: str, text: str) -> Any:
    """A ``--set KEY=VALUE`` value: JSON, with strings allowed bare for string fields.

    Strict: ``normalize_obs=no`` is an error, not a truthy string.
    """
    known = {f.name: f for f in fields(Config)}
    if name not in known:
        raise ValueError(f"--set: unknown config field {name!r} (python -m rl config lists them)")
    f = known[name]
    try:
        value = json.loads(text, parse_constant=lambda c: float(c))
    except json.JSONDecodeError:
        if f.type.replace("| None", "").strip() in ("str", "int | str"):
            return text
        raise ValueError(f"--set {name}: {text!r} is not a valid value ({f.type})") from None
    return value


def describe(algo: str | None = None, env_id: str | None = None) -> list[tuple[str, str, str, str]]:
    """(name, default, help, source) of every field that applies to ``algo`` (all when None).

    With ``env_id`` the defaults are those :func:`make_config` gives that environment
    (its family's rule and preset applied); a value that departs from the field's
    own default names where it comes from.
    """
    defaults = dict(ALGO_DEFAULTS.get(algo or "", {}))
    origin: dict[str, str] = {}
    family = env_family(env_id) if env_id is not None else None
    for label, table in ((f"the {family} family rule", FAMILY_DEFAULTS[family].get(algo or "", {}) if family else {}),
                         (f"the {env_id} preset", PRESETS.get(env_id or "", {}))):
        defaults.update(table)
        origin.update(dict.fromkeys(table, label))
    out = []
    for f in fields(Config):
        if algo is not None and algo not in f.metadata["algos"]:
            continue
        default = defaults.get(f.name, _default(f.name))
        if f.name == "algo" and algo is not None:
            default = algo
        if f.name == "env_id" and env_id is not None:
            default = env_id
        source = f.metadata["source"]
        if f.name in origin:
            source = f"{origin[f.name]} (rl.config)"
        out.append((f.name, json.dumps(list(default) if isinstance(default, tuple) else default),
                    f.metadata["help"], source))
    return out
