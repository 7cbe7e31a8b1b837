"""Structured logs: JSON lines with the request id, written off the request path.

Every record (uvicorn's included) goes to stderr as one JSON object per line (``time``, ``level``,
``logger``, ``message``, ``request_id`` and any ``extra`` fields), or as text for a developer's
terminal (``CASELOAD_LOG_FORMAT=text``).

The access log writes a line per request, so its cost is a share of every request: an independent
run measured a fifth of a trivial query's. Three things keep it small:

- the request path only hands a record to a :class:`logging.handlers.QueueHandler` (the stdlib's
  way to take logging off an event loop); a :class:`BatchListener` thread wakes every
  :data:`FLUSH_SECONDS`, formats what queued meanwhile and writes it in one call (a thread woken per
  record took the interpreter lock from the event loop once per request);
- the access record is made without the call-site lookup (``findCaller`` walks the stack) and the
  thread/process names nobody reads (:func:`access_record`);
- :class:`JsonFormatter` encodes with orjson and formats the time once per second.
"""

from __future__ import annotations

import atexit
import contextvars
import json
import logging
import logging.handlers
import os
import queue
import sys
import threading
import time
from typing import Any

import orjson

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("caseload_request_id", default=None)

_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}
_PLAIN = (str, int, float, bool, type(None))
_LEVELS = {level: logging.getLevelName(level).lower() for level in range(0, 60)}
FLUSH_SECONDS = 0.05  # how stale a log line may be; at exit (and on flush_logs) nothing is left queued
_listener: BatchListener | None = None
_stream: logging.StreamHandler[Any] | None = None


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (from the request being served) to every record.

    On the queue handler it runs in the thread that logs, where the request's context variable is
    set; the listener's thread only reads the attribute.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = REQUEST_ID.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any ``extra`` fields."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""

    def _time(self, created: float) -> str:
        # The ISO text of the second is the same for every line of that second: made once.
        second = int(created)
        if second != self._second:
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._second_text}.{int((created - second) * 1000):03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self._time(record.created),
            "level": _LEVELS.get(record.levelno) or record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id and request_id != "-":
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key not in entry:
                entry[key] = value if isinstance(value, _PLAIN) else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:  # formatted by the queue handler, in the thread that logged
            entry["exception"] = record.exc_text
        try:
            return orjson.dumps(entry).decode()
        except TypeError:  # an int beyond 64 bits, say: the stdlib encoder takes anything JSON can
            return json.dumps(entry, ensure_ascii=False)


class _RecordQueueHandler(logging.handlers.QueueHandler):
    """Queues the record itself; the listener formats it (the stdlib's ``prepare`` would format
    here, on the request path). Only what cannot cross threads safely is settled now: the message's
    arguments (they may change after the call) and the exception (its traceback holds frames)."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        return record


class BatchListener:
    """Writes queued records through ``handler`` in batches, from a thread of its own: wakes every
    ``interval`` seconds, formats every record queued meanwhile and writes them with one ``write``
    and one ``flush`` (:class:`logging.handlers.QueueListener` wakes, writes and flushes per record).
    """

    def __init__(
        self,
        records: queue.SimpleQueue[logging.LogRecord],
        handler: logging.StreamHandler[Any],
        interval: float,
    ) -> None:
        self.records = records
        self.handler = handler
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="caseload-log-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Write what is queued, then end the thread."""
        self._stop.set()
        self._thread.join()
        self.drain()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.drain()

    def drain(self) -> None:
        lines: list[str] = []
        while True:
            try:
                record = self.records.get_nowait()
            except queue.Empty:
                break
            try:
                lines.append(self.handler.format(record))
            except Exception:
                self.handler.handleError(record)
        if not lines:
            return
        stream = self.handler.stream
        try:
            stream.write("\n".join(lines) + "\n")
            stream.flush()
        except Exception:  # a closed or full stderr must not end the writer
            if logging.raiseExceptions:
                print(f"caseload: {len(lines)} log lines lost", file=sys.__stderr__)


def log_access(logger: logging.Logger, message: str, fields: dict[str, Any]) -> None:
    """``logger.info(message, extra=fields)`` without looking up the caller's file and line (nobody
    reads them in an access line, and finding them walks the stack)."""
    if logger.isEnabledFor(logging.INFO):
        logger.handle(logger.makeRecord(logger.name, logging.INFO, "", 0, message, (), None, extra=fields))


def configure_logging(level: str | int | None = None, *, json_format: bool | None = None) -> None:
    """Send every log record (uvicorn's included) to stderr through a queue, as JSON lines with the
    request id.

    Defaults come from the environment: ``CASELOAD_LOG_LEVEL`` (``INFO``) and ``CASELOAD_LOG_FORMAT``
    (``json``, or ``text`` for a developer's terminal). Called again, it replaces the handlers (and
    the listener) it installed before. Records still queued at exit are written first.
    """
    global _listener, _stream
    if level is None:
        level = os.environ.get("CASELOAD_LOG_LEVEL", "INFO").upper()
    if json_format is None:
        json_format = os.environ.get("CASELOAD_LOG_FORMAT", "json").lower() != "text"
    stream = logging.StreamHandler()
    if json_format:
        stream.setFormatter(JsonFormatter())
    else:
        stream.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    # Nobody reads a record's thread or process names: not collected for every record.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    if _listener is not None:
        _listener.stop()
    _stream = stream
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    handler = _RecordQueueHandler(records)
    handler.addFilter(RequestIdFilter())
    _listener = BatchListener(records, stream, FLUSH_SECONDS)
    _listener.start()
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # Our middleware writes the access log (with the operation name and request id).
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


def flush_logs() -> None:
    """Write every queued record, then log synchronously (at exit: nothing is lost after it)."""
    global _listener
    if _listener is None:
        return
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing, _RecordQueueHandler):
            root.removeHandler(existing)
            if _stream is not None:
                _stream.addFilter(RequestIdFilter())
                root.addHandler(_stream)
    _listener.stop()
    _listener = None


atexit.register(flush_logs)
