"""rl.workers (and rl.ray_backend): the batch does not depend on W, exact merged statistics, failures named."""

import multiprocessing
import os
import signal
import threading
import time

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces

from rl.agent import Agent
from rl.config import make_config
from rl.loop import LOG_FIELDS, train
from rl.plotting import read_log
from rl.policies import Policy
from rl.runlog import RunFolder
from rl.sampler import NonFiniteData, RunningMeanStd
from rl.workers import EnvError, ParallelSampler, WorkerError, auto_workers, blocks, merge_moments

FIELDS = ("obs", "actions", "log_probs", "rewards", "terminated", "truncated", "next_obs", "last_obs",
          "episode_returns", "episode_lengths")
FAULTY_ID = "TrustoptTestFaulty-v0"


class FaultyEnv(gymnasium.Env):
    """Observation [seed, step, action-free noise]; dynamics ignore the action.

    The env whose reset seed equals ``fail_seed`` misbehaves at step ``fail_step``:
    raises (mode "raise"), returns a NaN observation ("nan"), or sleeps
    ``sleep`` seconds every step ("slow", all envs).
    """

    observation_space = spaces.Box(-np.inf, np.inf, (3,), np.float64)
    action_space = spaces.Discrete(2)

    def __init__(self, mode="none", fail_seed=-1, fail_step=3, sleep=0.0):
        self.mode, self.fail_seed, self.fail_step, self.sleep = mode, fail_seed, fail_step, sleep
        self._seed = -1

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        if seed is not None:
            self._seed = seed
        self._step = 0
        return self._obs(), {}

    def step(self, action):
        self._step += 1
        if self.mode == "slow":
            time.sleep(self.sleep)
        failing = self._seed == self.fail_seed and self._step == self.fail_step
        if failing and self.mode == "raise":
            raise ZeroDivisionError("the simulator blew up")
        obs = self._obs()
        if failing and self.mode == "nan":
            obs[2] = np.nan
        return obs, float(action) + obs[2], self._step % 7 == 0, False, {}

    def _obs(self):
        return np.array([self._seed, self._step, self.np_random.standard_normal()])


if FAULTY_ID not in gymnasium.registry:
    gymnasium.register(FAULTY_ID, entry_point=FaultyEnv)


def run(env_id, n_workers, n_batches=3, seed=3, n_envs=5, n_steps=30, policy_seed=0, sampler_cls=ParallelSampler,
        **kwargs):
    with sampler_cls(env_id, n_envs=n_envs, n_steps=n_steps, seed=seed, n_workers=n_workers, **kwargs) as sampler:
        policy = Policy(sampler.observation_space, sampler.action_space, hidden=(8,))
        rng = np.random.default_rng(policy_seed)
        theta = policy.init(rng)
        batches = [sampler.collect(policy, theta, rng) for _ in range(n_batches)]
        return batches, sampler.obs_rms


def assert_same(a, b):
    (batches_a, rms_a), (batches_b, rms_b) = a, b
    for x, y in zip(batches_a, batches_b, strict=True):
        for f in FIELDS:
            np.testing.assert_array_equal(getattr(x, f), getattr(y, f), err_msg=f)
    for key in ("mean", "var", "count"):
        np.testing.assert_array_equal(getattr(rms_a, key), getattr(rms_b, key))


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_batch_is_bit_identical_for_any_number_of_workers(env_id):
    one = run(env_id, 1)
    for w in (2, 3):
        assert_same(one, run(env_id, w))
    batches = one[0]
    if env_id == "CartPole-v1":  # episodes end inside the batches, so their bookkeeping is compared too
        assert sum(b.episode_returns.size for b in batches) > 0
    # the comparison can fail: another policy seed gives other actions
    assert not np.array_equal(batches[0].actions, run(env_id, 1, n_batches=1, policy_seed=1)[0][0].actions)


def test_environments_are_seeded_by_global_index():
    batches, _ = run("CartPole-v1", 2, n_batches=1, normalize_obs=False)
    for i in range(5):
        first, _ = gymnasium.make("CartPole-v1").reset(seed=3 + i)
        np.testing.assert_array_equal(batches[0].obs[0, i], first)


def test_ray_backend_gives_the_same_batch():
    ray = pytest.importorskip("ray", reason="ray not installed (pip install -e '.[ray]'); CI should install it")
    from rl.ray_backend import RaySampler

    if not ray.is_initialized():
        ray.init(include_dashboard=False, num_cpus=2, logging_level="warning")
    assert_same(run("Pendulum-v1", 1, n_batches=2), run("Pendulum-v1", 2, n_batches=2, sampler_cls=RaySampler))
    sampler = RaySampler("Pendulum-v1", n_envs=4, n_steps=5, seed=0, n_workers=2)
    policy = Policy(sampler.observation_space, sampler.action_space, hidden=(8,))
    rng = np.random.default_rng(0)
    theta = policy.init(rng)
    sampler.collect(policy, theta, rng)
    ray.kill(sampler._actors[1])
    with pytest.raises(WorkerError, match=r"Ray sampler actor 1 .*environments 2–3.* died"):
        sampler.collect(policy, theta, rng)
    sampler.close()


def test_merged_normalizer_equals_single_pass_statistics():
    # The dynamics ignore the action, so a run without normalization sees the same raw observations.
    raw = np.concatenate([b.obs for b in run(FAULTY_ID, 1, n_envs=7, normalize_obs=False)[0]]).reshape(-1, 3)
    _, rms = run(FAULTY_ID, 3, n_envs=7, normalize_obs=True)
    assert rms.count == raw.shape[0]
    np.testing.assert_allclose(rms.mean, raw.mean(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rms.var, raw.var(axis=0), rtol=1e-12, atol=1e-12)


def test_merge_moments_is_chan_et_al():
    rng = np.random.default_rng(0)
    data = [rng.normal(k, 1 + k, size=(n, 2)) for k, n in enumerate((1, 5, 17, 3))]
    count, mean, m2 = merge_moments([(len(x), x.mean(axis=0), ((x - x.mean(axis=0)) ** 2).sum(axis=0)) for x in data])
    everything = np.concatenate(data)
    assert count == len(everything)
    np.testing.assert_allclose(mean, everything.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(m2 / count, everything.var(axis=0), rtol=1e-12)
    rms = RunningMeanStd((2,))
    rms.update(everything)
    np.testing.assert_allclose(m2 / count, rms.var, rtol=1e-12)


def test_blocks_cover_the_environments_contiguously():
    assert blocks(8, 3) == [(0, 3), (3, 6), (6, 8)]
    assert blocks(2, 2) == [(0, 1), (1, 2)]
    with pytest.raises(ValueError, match="n_workers"):
        blocks(2, 3)


@pytest.mark.parametrize("n_workers", [1, 2])
def test_an_environment_that_raises_is_named(n_workers):
    with pytest.raises(EnvError, match=r"environment 3 raised in step: ZeroDivisionError\('the simulator blew up'\)"):
        run(FAULTY_ID, n_workers, n_envs=4, seed=0, env_kwargs={"mode": "raise", "fail_seed": 3})


def test_non_finite_data_names_the_global_environment():
    with pytest.raises(NonFiniteData, match="environment 3 returned a non-finite observation at step 3"):
        run(FAULTY_ID, 2, n_envs=4, seed=0, env_kwargs={"mode": "nan", "fail_seed": 3})


def _workers():
    return [p for p in multiprocessing.active_children() if p.name.startswith("rl-sampler-worker")]


def test_a_worker_killed_mid_iteration_is_reported_within_seconds():
    # 40 steps of 20 ms: the collect takes ≥ 0.8 s, and the worker dies 0.2 s into it.
    with ParallelSampler(FAULTY_ID, n_envs=2, n_steps=40, seed=0, n_workers=2, poll_seconds=0.2,
                         env_kwargs={"mode": "slow", "sleep": 0.02}) as sampler:
        policy = Policy(sampler.observation_space, sampler.action_space, hidden=(8,))
        rng = np.random.default_rng(0)
        theta = policy.init(rng)
        sampler.collect(policy, theta, rng)
        worker = next(p for p in _workers() if p.name.endswith("-2"))  # the block of environment 1
        threading.Timer(0.2, os.kill, (worker.pid, signal.SIGKILL)).start()
        t0 = time.perf_counter()
        with pytest.raises(WorkerError, match=rf"sampler worker 2 \(pid {worker.pid}, environments 1–1\) died"):
            sampler.collect(policy, theta, rng)
        assert time.perf_counter() - t0 < 5.0


def _ray_up():
    ray = pytest.importorskip("ray", reason="ray not installed (pip install -e '.[ray]'); CI should install it")
    if not ray.is_initialized():
        ray.init(include_dashboard=False, num_cpus=2, logging_level="warning")
    return ray


def _curve(algo, **kwargs):
    agent = Agent.create(make_config(algo, total_steps=3 * 512, n_envs=4, n_steps=128, seed=5, **kwargs))
    rows = train(agent)
    return agent, [{k: v for k, v in r.items() if not k.startswith(("time_", "steps_per"))} for r in rows]


@pytest.mark.parametrize("workers", [2, 3, "ray"])
def test_learning_curve_is_the_same_for_any_number_of_workers(workers):
    # TRPO fits V by L-BFGS: with W ≥ 2 (and on Ray) a worker fits it while this process
    # updates θ. θ, φ and every logged figure must still match the one-process run bit for bit.
    kwargs = {"sampler_backend": "ray", "n_workers": 2} if workers == "ray" else {"n_workers": workers}
    if workers == "ray":
        _ray_up()
    one, rows_one = _curve("trpo", n_workers=1)
    many, rows_many = _curve("trpo", **kwargs)
    assert many.config.vf_optimizer == "lbfgs"
    np.testing.assert_array_equal(one.theta, many.theta)
    np.testing.assert_array_equal(one.phi, many.phi)
    assert rows_one == rows_many and len(rows_one) == 3


def test_learning_curve_with_an_adam_value_fit_is_the_same_for_one_and_two_workers():
    # PPO's Adam fit draws from the agent's rng after the update: it stays in this process.
    one, rows_one = _curve("ppo", n_workers=1)
    two, rows_two = _curve("ppo", n_workers=2)
    assert two.config.vf_optimizer == "adam"
    np.testing.assert_array_equal(one.theta, two.theta)
    np.testing.assert_array_equal(one.phi, two.phi)
    assert rows_one == rows_two


def _started(sampler_cls=ParallelSampler, side=None, env_id=FAULTY_ID, **kwargs):
    sampler = sampler_cls(env_id, n_envs=2, n_steps=4, seed=0, n_workers=2, **kwargs)
    if side is not None:
        sampler.set_side_task(side)
    policy = Policy(sampler.observation_space, sampler.action_space, hidden=(8,))
    rng = np.random.default_rng(0)
    theta = policy.init(rng)
    sampler.collect(policy, theta, rng)
    return sampler, policy, theta, rng


def _side_task_fails(x):
    return 1.0 / x


def _side_task_naps(seconds):
    time.sleep(seconds)
    return os.getpid()


def test_side_task_runs_in_the_last_worker_and_its_failure_is_named():
    sampler, policy, theta, rng = _started(side=_side_task_fails)
    with sampler:
        assert sampler.offloads
        sampler.submit(4.0)
        assert sampler.side_result() == 0.25
        sampler.submit(0.0)
        with pytest.raises(WorkerError, match=r"sampler worker 2 \(pid \d+, environments 1–1\).*"
                                              r"side task: ZeroDivisionError"):
            sampler.side_result()
        sampler.collect(policy, theta, rng)  # the worker survives its side task's exception


def test_side_task_misuse_is_refused():
    sampler = ParallelSampler(FAULTY_ID, n_envs=2, n_steps=4, seed=0, n_workers=2)
    with sampler:
        with pytest.raises(RuntimeError, match="submit needs running workers"):
            sampler.submit(1.0)
        with pytest.raises(RuntimeError, match="side_result called without submit"):
            sampler.side_result()
    sampler, policy, theta, rng = _started(side=_side_task_naps)
    with sampler:
        with pytest.raises(RuntimeError, match="set_side_task must come before the workers start"):
            sampler.set_side_task(_side_task_fails)
        sampler.submit(0.0)
        with pytest.raises(RuntimeError, match="submit needs the last batch finished"):
            sampler.submit(0.0)
        with pytest.raises(RuntimeError, match="before the side task's result was taken"):
            sampler.start(policy, theta, rng)
        assert sampler.side_result() in {p.pid for p in _workers() if p.name.endswith("-2")}
    with ParallelSampler(FAULTY_ID, n_envs=2, n_steps=4, seed=0, n_workers=1) as one:
        assert not one.offloads


def test_a_worker_killed_during_the_side_task_is_reported_within_seconds():
    sampler, policy, theta, rng = _started(side=_side_task_naps, poll_seconds=0.2)
    with sampler:
        worker = next(p for p in _workers() if p.name.endswith("-2"))
        sampler.submit(30.0)
        threading.Timer(0.2, os.kill, (worker.pid, signal.SIGKILL)).start()
        t0 = time.perf_counter()
        with pytest.raises(WorkerError, match=rf"sampler worker 2 \(pid {worker.pid}, environments 1–1\) died"):
            sampler.side_result()
        assert time.perf_counter() - t0 < 5.0


def test_ray_side_task_failure_is_named():
    _ray_up()
    from rl.ray_backend import RaySampler

    # Ray actors do not see environments registered in this process: a registered id.
    sampler, policy, theta, rng = _started(RaySampler, side=_side_task_fails, env_id="Pendulum-v1")
    try:
        sampler.submit(2.0)
        assert sampler.side_result() == 0.5
        sampler.submit(0.0)
        with pytest.raises(WorkerError, match=r"Ray sampler actor 1 .*environments 1–1.*side task: ZeroDivisionError"):
            sampler.side_result()
        with pytest.raises(RuntimeError, match="side_result called without submit"):
            sampler.side_result()
    finally:
        sampler.close()


def test_a_dead_worker_keeps_the_checkpoint_and_resume_works(tmp_path):
    agent = Agent.create(make_config("trpo", total_steps=4 * 256, n_envs=2, n_steps=128, seed=1, n_workers=2))

    def kill_after_first(row):
        if row["iteration"] == 1:
            for worker in _workers():
                os.kill(worker.pid, signal.SIGKILL)

    folder = tmp_path / "run"
    with pytest.raises(WorkerError, match="sampler worker . .* died"):
        train(agent, run=RunFolder.new(folder, LOG_FIELDS), on_iteration=kill_after_first)
    resumed = Agent.load(folder)
    # Batch 2 is started before iteration 1's row is logged, so the
    # workers may have sent it before the kill: the run then completes iteration 2 and dies
    # starting batch 3. Either way the checkpoint is a whole iteration and resume continues from it.
    done = resumed.iteration
    assert done in (1, 2) and resumed.steps == 256 * done
    rows = train(resumed, run=RunFolder.resume(folder, LOG_FIELDS, resumed.iteration))
    assert [r["iteration"] for r in rows] == list(range(done + 1, 5)) and resumed.steps == 1024
    assert list(read_log(folder)["iteration"]) == [1, 2, 3, 4]  # each iteration logged once


def test_auto_workers_uses_every_available_core_up_to_n_envs(monkeypatch):
    import rl.workers as workers

    monkeypatch.setattr(workers, "available_cores", lambda: 4)
    assert auto_workers(8) == 4
    assert auto_workers(2) == 2
    monkeypatch.setattr(workers, "available_cores", lambda: 1)
    assert auto_workers(8) == 1
    with workers.make_sampler(make_config("trpo", env_id="CartPole-v1", n_envs=4), seed=0, normalize_obs=False) as s:
        assert s.n_workers == 1


def test_bad_worker_settings_are_refused():
    with pytest.raises(ValueError, match="n_workers must be 'auto' or an integer in"):
        make_config("trpo", n_envs=2, n_workers=3)
    with pytest.raises(ValueError, match="sampler_backend must be"):
        make_config("trpo", sampler_backend="mpi")


@pytest.mark.parametrize("env_id", ["CartPole-v1", "FrozenLake-v1", "Pendulum-v1"])
def test_env_block_steps_as_gymnasium_sync_vector_env_with_same_step_autoreset(env_id):
    # The block replaces SyncVectorEnv(copy=False, SAME_STEP): the same observations (in the
    # space's dtype), rewards, flags and final observations, step for step, through autoresets.
    from gymnasium.vector import AutoresetMode, SyncVectorEnv

    from rl.spaces import flat_env
    from rl.workers import _EnvBlock

    n, T = 3, 210  # Pendulum truncates at 200 steps
    block = _EnvBlock([flat_env(gymnasium.make(env_id)) for _ in range(n)])
    reference = SyncVectorEnv([lambda: flat_env(gymnasium.make(env_id)) for _ in range(n)],
                              autoreset_mode=AutoresetMode.SAME_STEP)
    space = block.single_action_space
    space.seed(5)
    obs_ref, _ = reference.reset(seed=11)
    obs = block.reset(11)
    np.testing.assert_array_equal(obs, obs_ref)
    assert obs.dtype == obs_ref.dtype
    ends = 0
    for _ in range(T):
        actions = np.stack([space.sample() for _ in range(n)])
        rewards, term, trunc = np.empty(n), np.empty(n, dtype=bool), np.empty(n, dtype=bool)
        finals = block.step(actions, obs, rewards, term, trunc)
        obs_ref, r_ref, term_ref, trunc_ref, info = reference.step(actions)
        np.testing.assert_array_equal(obs, obs_ref)
        np.testing.assert_array_equal(rewards, r_ref)
        np.testing.assert_array_equal(term, term_ref)
        np.testing.assert_array_equal(trunc, trunc_ref)
        expected = np.flatnonzero(info["_final_obs"]) if "final_obs" in info else np.array([], dtype=int)
        assert [j for j, _ in finals] == expected.tolist()
        for j, final in finals:
            np.testing.assert_array_equal(final, info["final_obs"][j])
        ends += len(finals)
    assert ends > 0  # the comparison went through autoresets
    block.close()
    reference.close()
