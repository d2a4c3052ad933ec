"""moto's ThreadedMotoServer with its WSGI app wrapped by the emulator log."""

from __future__ import annotations

import functools
import sys

from moto import backends
from moto.core import responses, utils
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from harness.control_plane.backends.dynamodb_condition_cache import parse_conditions_once
from harness.control_plane.backends.emulator_log import EmulatorLog
from harness.control_plane.backends.sns_regional_cert import sign_with_regional_certificates
from harness.control_plane.backends.sqs_send_cost import skip_queue_counts_in_sends
from harness.plumbing import in_process


def _listed_once() -> None:
    """moto routes each request by listing its package directory (a stat per entry, ~200):
    3% of a start's CPU and part of every request the tasks make (#14). The listing cannot
    change while the process runs, so it is read once. Only moto calls it."""
    if not getattr(backends.list_of_moto_modules, "listed_once", False):
        modules = tuple(backends.list_of_moto_modules())
        listed = lambda: modules  # noqa: E731
        listed.listed_once = True
        backends.list_of_moto_modules = listed


class _ActionNames:
    """The method names of one response class, listed once; a name not among them is looked
    for again, so a method added to the class later is still found."""

    def __init__(self, clazz, list_names) -> None:
        self._clazz, self._list = clazz, list_names
        self._names = frozenset(list_names(clazz))

    def __contains__(self, name: object) -> bool:
        if name not in self._names:
            self._names = frozenset(self._list(self._clazz))
        return name in self._names


def _action_names_listed_once() -> None:
    """moto finds a request's action among its response class's methods by listing them with
    inspect.getmembers, on every request (~3% of the harness's CPU under share load, #14).
    moto only asks whether an action is among them, which _ActionNames answers the same."""
    if getattr(responses.method_names_from_class, "listed_once", False):
        return
    list_names, kept = responses.method_names_from_class, {}

    def method_names_from_class(clazz):
        names = kept.get(clazz)
        if names is None:
            names = kept[clazz] = _ActionNames(clazz, list_names)
        return names

    method_names_from_class.listed_once = True
    responses.method_names_from_class = method_names_from_class


def _names_converted_once() -> None:
    """moto turns a CamelCase name into its snake_case attribute character by character on
    every use (each SQS send builds the queue's attributes through it: ~4% of the harness's
    CPU under share load, #14). The conversion depends on the name alone, so each name's is
    kept: in moto.core.utils (modules imported later take it from there) and in each moto
    module that imported it already."""
    original = utils.camelcase_to_underscores
    if getattr(original, "converted_once", False):
        return
    cached = functools.lru_cache(maxsize=4096)(original)

    def camelcase_to_underscores(argument):
        try:
            return cached(argument)
        except TypeError:  # not hashable: converted as moto would, not kept
            return original(argument)

    camelcase_to_underscores.converted_once = True
    camelcase_to_underscores.__wrapped__ = original
    for name, module in list(sys.modules.items()):
        if (
            name.startswith("moto")
            and getattr(module, "camelcase_to_underscores", None) is original
        ):
            module.camelcase_to_underscores = camelcase_to_underscores


class LoggedMotoServer(ThreadedMotoServer):
    def __init__(self, emulator_log: EmulatorLog, ip_address: str, port: int) -> None:
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        self.emulator_log = emulator_log
        _listed_once()
        _action_names_listed_once()
        _names_converted_once()
        skip_queue_counts_in_sends()
        sign_with_regional_certificates()
        parse_conditions_once()

    def _server_entry(self) -> None:  # ThreadedMotoServer's, with the app wrapped
        app = self.emulator_log.wrap(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        # the harness's own proxies (the AWS fault proxy, the API front) call it in-process
        in_process.serve(self.url, in_process.wsgi(app, self.url))
        self._server_ready_event.set()
        self._server.serve_forever()

    def stop(self) -> None:
        if getattr(self, "url", None):
            in_process.withdraw(self.url)
        super().stop()
