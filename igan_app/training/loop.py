"""The training loop every trainer runs on: steps, data order, randomness, checkpoints, samples,
logs, over one process or several (training/distributed.py).

A trainer supplies its networks and optimizers (`Trainer.state` / `load`), one optimizer step
(`Trainer.train_step`, given a `StepInput`) and its samples; the loop does the rest:

- the data order and every random number of a step derive from the seed and the step alone
  (`batch_indices`, `step_generator`), so a resumed run continues exactly where an
  uninterrupted one would be, whatever the number of processes;
- each rank trains on its share of the global batch; one process can split the batch into
  micro-batches (`Schedule.micro_batches`) and compute what that many processes do;
- rank 0 writes the samples, the resumable state (atomically) and the TensorBoard log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch

from igan_app.training import common
from igan_app.training.distributed import World
from igan_app.training.tensorboard import RunLog


@dataclass(frozen=True)
class Schedule:
    """steps: optimizer steps in all; batch: the global batch (over every process and
    micro-batch); micro_batches: parts each process splits its share into, gradients
    accumulated (1: none); seed: of the data order and every random number; sample_every,
    checkpoint_every, log_every: in steps (0: never; samples and a checkpoint are also written
    at the last step); eval_every: in steps, the trainer's `evaluate` (if it has one) into the
    log (0: never)."""

    steps: int
    batch: int
    seed: int = 0
    micro_batches: int = 1
    sample_every: int = 500
    checkpoint_every: int = 250
    log_every: int = 10
    eval_every: int = 0


@dataclass(frozen=True)
class StepInput:
    """What one step trains on. parts: for each micro-batch, the indices of its items in the
    data set; generator: the step's random numbers, the same on every rank (draw for the global
    batch, then keep `world.share` and `part`); world: the processes."""

    step: int
    parts: tuple[torch.Tensor, ...]
    generator: torch.Generator
    world: World
    batch: int

    def part(self, values: torch.Tensor, index: int) -> torch.Tensor:
        """Micro-batch `index` of this rank's share of `values`, drawn for the global batch."""
        share = self.world.share(values)
        per = len(share) // len(self.parts)
        return share[index * per:(index + 1) * per]


class Trainer(Protocol):
    def state(self) -> dict[str, Any]:
        """Everything that changes while training (networks, optimizers, averages)."""

    def load(self, state: Mapping[str, Any]) -> None:
        """Put back what `state` returned."""

    def train_step(self, step: StepInput) -> dict[str, float]:
        """One optimizer step; the losses, averaged over its micro-batches."""

    def write_samples(self, path: Path) -> Path:
        """A sample grid at `path`."""

    # Optional: `images_per_step`, the pictures a step processes when it is not the schedule's
    # batch (the encoder's batch counts only its real half), for images per second; and
    # `evaluate() -> dict[str, float]`, run on rank 0 every `Schedule.eval_every` steps: it must
    # use the unwrapped networks (a DDP forward on one rank alone would wait for the others).


class OnLoop:
    """What a trainer on the loop answers through it: `step` and `seconds` so far, and
    `steps()`. The trainer sets `self.loop`."""

    loop: Loop

    @property
    def step(self) -> int:
        return self.loop.step

    @property
    def seconds(self) -> float:
        return self.loop.seconds

    def steps(self) -> Iterator[common.TrainStep]:
        return self.loop.steps()


def batch_indices(count: int, batch: int, seed: int, step: int) -> torch.Tensor:
    """The items of the global batch of `step` (0-based) in a data set of `count`: a new
    permutation every epoch, drawn from the seed and the epoch alone."""
    per_epoch = max(1, count // batch)
    epoch, within = divmod(step, per_epoch)
    order = torch.randperm(count, generator=torch.Generator().manual_seed(
        _mix(seed, epoch, 0x5EED)))
    if count < batch:  # a tiny set: its items repeat to fill the batch
        order = order.repeat(-(-batch // count))
    return order[within * batch:(within + 1) * batch]


def step_generator(seed: int, step: int) -> torch.Generator:
    """The random numbers of `step`: the same on every rank, after any resume."""
    return torch.Generator().manual_seed(_mix(seed, step, 0xD1CE))


def _mix(seed: int, value: int, salt: int) -> int:
    return (seed * 1_000_003 + value * 7_919 + salt) % (2**63 - 1)


class Loop:
    """Runs a trainer for a schedule in `run_dir` as one rank of `world`.

    resume: continue from the run folder's state (saved by any number of processes); without
    it the folder's earlier state and samples are forgotten. settings: the trainer's settings,
    saved with the state; a resumed run refuses settings that differ except in `free` keys.
    """

    def __init__(self, trainer: Trainer, schedule: Schedule, count: int, run_dir: Path,
                 world: World, *, settings: Mapping[str, Any], resume: bool = False,
                 free: tuple[str, ...] = ()):
        if schedule.batch % (world.size * schedule.micro_batches):
            raise ValueError(f"the batch of {schedule.batch} does not split into "
                             f"{world.size} processes × {schedule.micro_batches} micro-batches")
        self.trainer, self.schedule, self.count = trainer, schedule, count
        self.run_dir, self.world, self.settings = Path(run_dir), world, dict(settings)
        self.step, self.seconds = 0, 0.0
        state = self._open(resume)
        if state is not None and "settings" not in state:
            raise ValueError(f"{self.run_dir}: its state was saved by an older version of "
                             "igan train, which this one cannot continue; start a new run "
                             "folder or drop --resume")
        if state is not None:
            ignored = {"steps", "sample_every", "checkpoint_every", "log_every", "eval_every",
                       *free}
            kept = ({k: v for k, v in state["settings"].items() if k not in ignored},
                    {k: v for k, v in self.settings.items() if k not in ignored})
            if kept[0] != kept[1]:
                raise ValueError(f"{self.run_dir}: the saved run has different settings "
                                 f"({state['settings']}); start a new run folder or drop "
                                 "--resume")
            trainer.load(state["trainer"])
            self.step, self.seconds = state["step"], state["seconds"]
        self.log = RunLog(self.run_dir if world.main else None)

    def _open(self, resume: bool) -> dict[str, Any] | None:
        if self.world.main and not resume:
            common.clear_run(self.run_dir)
        self.world.barrier()  # rank 0 has cleared the folder, or kept it
        return common.load_state(self.run_dir) if resume else None

    def steps(self) -> Iterator[common.TrainStep]:
        """Train to the schedule's end, yielding each step's result (on every rank)."""
        try:
            yield from self._steps()
        finally:
            self.log.close()  # its writer thread ends with the steps, however they end
        self.world.barrier()

    def _steps(self) -> Iterator[common.TrainStep]:
        s = self.schedule
        timer = common.Timer()
        while self.step < s.steps:
            started = time.perf_counter()
            indices = self.world.share(batch_indices(self.count, s.batch, s.seed, self.step))
            per = len(indices) // s.micro_batches
            parts = tuple(indices[i * per:(i + 1) * per] for i in range(s.micro_batches))
            losses = self.trainer.train_step(StepInput(
                self.step, parts, step_generator(s.seed, self.step), self.world, s.batch))
            losses = {k: self.world.average(v) for k, v in losses.items()}
            self.step += 1
            self.seconds += time.perf_counter() - started
            images = getattr(self.trainer, "images_per_step", s.batch)
            result = common.TrainStep(self.step, s.steps, losses, timer.rate(images))
            last = self.step == s.steps
            if self.world.main:
                if _due(self.step, s.sample_every) or last:
                    path = self.run_dir / "samples" / f"{self.step:07d}.png"
                    result.sample_grid = self.trainer.write_samples(path)
                    self.log.image("samples", result.sample_grid, self.step)
                if _due(self.step, s.checkpoint_every) or last:
                    result.checkpoint = common.save_state(self.run_dir, self._state())
                evaluate = getattr(self.trainer, "evaluate", None)
                if evaluate is not None and _due(self.step, s.eval_every):
                    result.extra["eval"] = evaluate()
                    self.log.scalars({}, self.step, **{f"eval/{name}": value for name, value
                                                       in result.extra["eval"].items()})
                if _due(self.step, s.log_every) or last:
                    self.log.scalars(losses, self.step, images_per_s=result.images_per_s,
                                     **learning_rates(self.trainer))
                    self.log.flush()  # the log is whole whenever the run stops
            yield result

    def _state(self) -> dict[str, Any]:
        return {"settings": self.settings, "trainer": self.trainer.state(), "step": self.step,
                "seconds": self.seconds, "processes": self.world.size}


def learning_rates(trainer: object) -> dict[str, float]:
    """"lr/NAME" → the learning rate of each optimizer the trainer holds as an attribute (its
    first parameter group's), for the log."""
    return {f"lr/{name.removeprefix('opt_')}": optimizer.param_groups[0]["lr"]
            for name, optimizer in vars(trainer).items()
            if isinstance(optimizer, torch.optim.Optimizer)}


def _due(step: int, every: int) -> bool:
    return every > 0 and step % every == 0


def run_to_end(loop: Loop, report: Callable[[common.TrainStep], None] | None = None) -> None:
    """Run every remaining step of `loop`, passing each result to `report`."""
    for result in loop.steps():
        if report is not None:
            report(result)


__all__ = ["Loop", "OnLoop", "Schedule", "StepInput", "Trainer", "batch_indices", "run_to_end",
           "step_generator"]
