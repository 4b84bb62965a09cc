"""Record a trained policy: one episode rendered to an animated GIF.

Uses gymnasium's ``rgb_array`` rendering and Pillow (a matplotlib dependency)
to write the frames. Classic-control tasks render through pygame (the
``record`` extra); MuJoCo tasks render headless through EGL, which
``python -m rl evaluate RUN --record DIR`` selects by setting
``MUJOCO_GL=egl`` unless the variable is already set (``osmesa`` is the
software fallback where EGL is missing).
"""

from __future__ import annotations

from pathlib import Path

import gymnasium
import numpy as np

from .agent import Agent

__all__ = ["record_episode"]


def record_episode(agent: Agent, folder: Path, *, seed: int | None = None, max_steps: int = 1000,
                   fps: int = 30) -> tuple[Path, float, int]:
    """Run one deterministic episode and write ``folder/<env>-<algo>.gif``; return (path, return, steps).

    The observation normalizer is frozen, as in :meth:`Agent.evaluate`. At most
    ``max_steps`` frames are kept (an episode without a time limit is cut there).
    """
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    seed = agent.config.seed + 1_000_000 if seed is None else seed
    env = gymnasium.make(agent.config.env_id, render_mode="rgb_array", **(agent.config.env_kwargs or {}))
    normalize = agent.normalizer()
    rng = np.random.default_rng(seed)
    frames, total, steps = [], 0.0, 0
    try:
        obs, _ = env.reset(seed=seed)
        frames.append(env.render())
        for steps in range(1, max_steps + 1):
            actions, _ = agent.policy.act(agent.theta, normalize(np.asarray(obs, dtype=np.float64)[None]), rng,
                                          deterministic=True)
            obs, reward, terminated, truncated, _ = env.step(agent.policy.env_action(actions)[0])
            total += float(reward)
            frames.append(env.render())
            if terminated or truncated:
                break
    finally:
        env.close()
    path = folder / f"{agent.config.env_id.replace(':', '_').replace('/', '_')}-{agent.config.algo}.gif"
    images = [Image.fromarray(np.asarray(f, dtype=np.uint8)) for f in frames if f is not None]
    if not images:
        raise ValueError(f"{agent.config.env_id} rendered no frames in rgb_array mode")
    images[0].save(path, save_all=True, append_images=images[1:], duration=max(1, round(1000 / fps)), loop=0)
    return path, total, steps
