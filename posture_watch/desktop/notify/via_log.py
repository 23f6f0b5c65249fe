"""The last resort: the notice goes to the log, and the first time in an outage a warning says how to fix it."""

from __future__ import annotations

import logging

from .backend import Delivery

log = logging.getLogger(__name__)


class LogBackend:
    name = "log"

    def __init__(self) -> None:
        # True from the first notice that reached only the log until another backend shows one again.
        self.outage = False

    async def show(self, delivery: Delivery) -> None:
        if not self.outage:
            self.outage = True
            log.warning(
                "no notification could be shown: install a notification daemon (such as dunst) or run "
                "posture-watch from your desktop session; reminders go to this log meanwhile"
            )
        notice = delivery.notice
        log.info("%s: %s: %s", notice.kind.value, notice.title, notice.body.replace("\n", " "))

    async def close(self) -> None:
        """Nothing to withdraw."""
