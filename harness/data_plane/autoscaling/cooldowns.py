"""Cooldowns of one scalable target [API reference: TargetTrackingScalingPolicyConfiguration
ScaleOutCooldown/ScaleInCooldown, StepScalingPolicyConfiguration Cooldown]:

- after a scale-out, the capacity it added counts as part of the desired capacity for the next
  one: desired capacity only grows again for a larger scale-out (or once the cooldown ends);
- after a scale-in, further scale-ins are blocked until the cooldown ends;
- a scale-out during a scale-in cooldown happens at once and stops that cooldown.

ECS's default for every cooldown is 300 s."""

from __future__ import annotations

from dataclasses import dataclass

ECS_DEFAULT_COOLDOWN = 300


@dataclass
class Cooldowns:
    out_until: float = 0.0
    out_base: int = 0  # the capacity before the scale-out that began the cooldown
    in_until: float = 0.0

    def scale_out_base(self, now: float, current: int) -> int:
        """What a step adjustment adds to: during a scale-out cooldown, the capacity before it."""
        return self.out_base if now < self.out_until else current

    def allows(self, now: float, current: int, new: int) -> bool:
        if new > current:
            return True
        if new < current:
            return now >= self.in_until
        return False

    def record(self, now: float, current: int, new: int, cooldown: float) -> None:
        if new > current:
            if now >= self.out_until:
                self.out_base = current
            self.out_until = now + cooldown
            self.in_until = 0.0
        elif new < current:
            self.in_until = now + cooldown
