"""moto's REST routing maps built without URL builders until one is asked for (#14).

moto routes a rest-xml/rest-json request (CloudFront, S3) through a werkzeug Map with one
rule per operation's path and method. Binding a rule compiles its pattern, which matching
needs, and also generates and compiles two Python functions per rule that only build URLs
(werkzeug's `url_for`), which moto never does: for CloudFront's 164 rules that was ~90 ms of
the emulator's first CloudFront answer, 5x the matching part. Each builder is now made the
first time it is called, so a rule builds the same URLs as before, and matching is untouched.
Only moto's own rule class is changed; other werkzeug maps in the process are not.
"""

from __future__ import annotations


def install() -> None:
    from moto.core.routing import SmithyRule
    from werkzeug.routing import Rule

    if getattr(SmithyRule._compile_builder, "built_on_first_use", False):
        return
    make_builder = Rule._compile_builder

    def compile_builder(rule: Rule, append_unknown: bool = True):
        built = None

        def build(self: Rule, *args, **kwargs):
            nonlocal built
            if built is None:
                built = make_builder(self, append_unknown)
            return built(self, *args, **kwargs)

        return build

    compile_builder.built_on_first_use = True
    SmithyRule._compile_builder = compile_builder
