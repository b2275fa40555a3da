"""``nn-kata trace KATA``: the seed's comment-as-assertion, made executable.

Runs the learner's functions of a kata (linear, forward, backward, or train's first step)
on the seed's shapes (784-10-10, m = 32) under ``sys.settrace``, limited to the kata's own
file, and prints each executed line beside the shape and dtype of every array it assigned.
A shape comment on the line (``# (10, m)``, ``# (n_hidden, m)``, ``... -> (n, m)``) is checked
against the real shape with m and the layer sizes as symbols; the first line where an array
departs from the shape the contract implies (by its name, its dict key or its place in
what the function returns) is named. Functions of the kata's other modules are stood in by
trusted versions, as the suite does, so the trace is about this kata's code alone.
"""
from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from pathlib import Path

from .. import manifest
from ..usage import UsageError
from .contract import ALIASES, KATAS, LINEAR, NETWORK, RETURNS, inputs, sizes_for

MAX_EVENTS = 400


def parse_shapes(comment: str) -> list:
    """The shapes a comment states, as tuples of ints and symbol names: '(n, n_prev) @ ... ->
    (n, m)' states (n, m); 'scalar' states (). Only tuples of sizes count."""
    text = comment.rsplit("->", 1)[-1]
    out = []
    for inner in re.findall(r"\(([^()]*)\)", text):
        parts = [p.strip() for p in inner.split(",")]
        if parts and parts[-1] == "" and len(parts) > 1:
            parts = parts[:-1]
        if parts and all(re.fullmatch(r"\d+|[A-Za-z_]\w*", p) for p in parts):
            out.append(tuple(int(p) if p.isdigit() else ALIASES.get(p, p) for p in parts))
    if not out and re.search(r"\bscalar\b", text):
        out.append(())
    return out


def agrees(stated: tuple, shape: tuple, sizes: dict) -> bool:
    """Unknown symbols match anything; a known one must equal its size."""
    if len(stated) != len(shape):
        return False
    return all(s == n if isinstance(s, int) else sizes.get(s, n) == n for s, n in zip(stated, shape))


def symbolic(spec: str | tuple, sizes: dict) -> str:
    parts = spec.split() if isinstance(spec, str) else list(spec)
    parts = [int(p) if isinstance(p, str) and p.isdigit() else p for p in parts]
    sym = "(" + ", ".join(map(str, parts)) + ("," if len(parts) == 1 else "") + ")"
    num = tuple(p if isinstance(p, int) else sizes.get(p, p) for p in parts)
    return sym if sym == str(num) else f"{sym} = {num}"


def expected(spec: str, sizes: dict) -> tuple:
    return tuple(int(p) if p.isdigit() else sizes[p] for p in spec.split())


def describe(value) -> str | None:
    import numpy as np

    if isinstance(value, np.ndarray):
        return f"{value.shape} {value.dtype}"
    if isinstance(value, (bool, int, float, np.number)):
        return f"= {value:.6g}" if isinstance(value, (float, np.floating)) else f"= {value}"
    if isinstance(value, dict):
        shown = [f"{k} {v.shape}" for k, v in value.items() if isinstance(v, np.ndarray)]
        return "dict: " + ", ".join(shown) if shown else f"dict of {len(value)}"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of {len(value)}"
    return None


class Source:
    """The learner's file: each line's statement, its assignment targets and its comment."""

    def __init__(self, path: Path):
        self.path = path
        self.text = path.read_text()
        self.lines = self.text.splitlines()
        self.tree = ast.parse(self.text)
        self.comments = {}
        for tok in tokenize.generate_tokens(io.StringIO(self.text).readline):
            if tok.type == tokenize.COMMENT:
                self.comments[tok.start[0]] = tok.string.lstrip("#").strip()
        self.stmt = {}
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.stmt):
                continue
            body = getattr(node, "body", None)
            end = (body[0].lineno - 1) if isinstance(body, list) and body and hasattr(body[0], "lineno") else node.end_lineno
            for line in range(node.lineno, max(node.lineno, end) + 1):
                if line not in self.stmt or (self.stmt[line].end_lineno - self.stmt[line].lineno) > (end - node.lineno):
                    self.stmt[line] = node

    def comment(self, node: ast.stmt) -> str:
        return " ".join(self.comments[n] for n in range(node.lineno, node.end_lineno + 1) if n in self.comments)


def _targets(node: ast.stmt) -> list:
    if isinstance(node, ast.Assign):
        flat = []
        for t in node.targets:
            flat += list(t.elts) if isinstance(t, (ast.Tuple, ast.List)) else [t]
        return flat
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return [node.target]
    if isinstance(node, ast.For):
        return list(node.target.elts) if isinstance(node.target, ast.Tuple) else [node.target]
    return []


class Tracer:
    def __init__(self, source: Source, kata: str, sizes: dict):
        self.src, self.kata, self.sizes = source, kata, sizes
        self.names = LINEAR if kata == "linear" else NETWORK
        self.file = str(source.path)
        self.pending: dict = {}  # frame id -> statement
        self.rows: list = []  # (depth, lineno, text)
        self.first: str | None = None
        self.comment_misses: list = []
        self.error: str | None = None
        self.not_started = False
        self.raised: dict = {}  # frame id -> what the statement raised
        self.depth = 0

    def global_trace(self, frame, event, arg):
        if (event == "call" and frame.f_code.co_filename == self.file and len(self.rows) < MAX_EVENTS
                and not frame.f_code.co_name.startswith("<")):
            self.depth += 1
            args = ", ".join(frame.f_code.co_varnames[:frame.f_code.co_argcount + frame.f_code.co_kwonlyargcount])
            self.rows.append((self.depth, None, f"{frame.f_code.co_name}({args})"))
            return self.local_trace
        return None

    def local_trace(self, frame, event, arg):
        key = id(frame)
        if event == "line":
            node = self.src.stmt.get(frame.f_lineno)
            if node is not None and node is not self.pending.get(key):
                self._finish(frame)
                self.pending[key] = node
        elif event == "return":
            node = self._finish(frame, returned=arg, is_return=True)
            self.depth -= 1
        elif event == "exception" and self.error is None:
            exc = arg[1]
            line = frame.f_lineno
            said = str(exc).splitlines()[0] if str(exc) else ""
            self.error = f"{type(exc).__name__}: {said}"
            self.not_started = isinstance(exc, NotImplementedError)
            self.raised[key] = f"✗ raised {self.error}"
            if self.first is None and not self.not_started:
                self.first = f"line {line}: {self.src.lines[line - 1].strip()}\n  raised {self.error}"
        return self.local_trace

    def _finish(self, frame, returned=None, is_return=False):
        node = self.pending.pop(id(frame), None)
        if node is None:
            return None
        values = []
        raised = self.raised.pop(id(frame), None)
        for t in _targets(node) if raised is None else ():
            try:
                name = ast.unparse(t)
                value = frame.f_locals[t.id] if isinstance(t, ast.Name) else eval(name, frame.f_globals, frame.f_locals)
                values.append((name, value, self.names.get(t.id) if isinstance(t, ast.Name) else self._key_spec(t, frame)))
            except Exception:
                continue
        if is_return and isinstance(node, ast.Return) and raised is None:
            values += self._returned(frame.f_code.co_name, returned)
        self._report(node, values, raised)
        return node

    def _key_spec(self, target, frame):
        """params[key] is W1 when key == "W1": its spec is W1's."""
        if isinstance(target, ast.Subscript):
            try:
                key = eval(ast.unparse(target.slice), frame.f_globals, frame.f_locals)
            except Exception:
                return None
            return self.names.get(key) if isinstance(key, str) else None
        return None

    def _returned(self, function: str, value) -> list:
        specs = RETURNS.get(function)
        parts = list(value) if isinstance(value, tuple) else [value]
        if specs is None:
            return [("return", value, None)]
        if len(specs) > 1 and len(parts) != len(specs):
            return [("return", value, None)]
        return [(f"return[{i}]" if len(parts) > 1 else "return", v, s) for i, (v, s) in enumerate(zip(parts, specs))]

    def _report(self, node, values, raised=None):
        import numpy as np

        line = node.lineno
        stated = parse_shapes(self.src.comment(node))
        arrays = [(n, v) for n, v, _ in values if isinstance(v, np.ndarray)]
        shown, marks = [], []
        for name, value, spec in values:
            text = describe(value)
            if text is not None:
                shown.append(f"{name} {text}")
            checks = [(spec, name, value)] if spec else []
            if isinstance(value, dict):
                checks = [(self.names.get(k), f"{name}[{k!r}]", v) for k, v in value.items() if isinstance(v, np.ndarray)]
            for spec_i, label, v in checks:
                if spec_i and isinstance(v, (np.ndarray, np.generic, float)) and np.shape(v) != expected(spec_i, self.sizes):
                    v = np.asarray(v)
                    what = f"a {v.shape} appeared where {symbolic(spec_i, self.sizes)} was expected ({label})"
                    marks.append(f"← contract: {what}")
                    if self.first is None:
                        self.first = f"line {line}: {self.src.lines[line - 1].strip()}\n  {what}"
        pairs = list(zip(arrays, stated)) if len(stated) == len(arrays) else list(zip(arrays[:1], stated[:1]))
        for (name, value), shape in pairs:
            if not agrees(shape, value.shape, self.sizes):
                marks.append(f"≠ your comment: {symbolic(shape, self.sizes)}, but {name} is {value.shape}")
                self.comment_misses.append(f"line {line}: you wrote {symbolic(shape, self.sizes)}; {name} is {value.shape}")
        if raised:
            marks.append(raised)
        code = self.src.lines[line - 1].strip()
        self.rows.append((self.depth, line, code + ("   │ " + ", ".join(shown) if shown else "") +
                          "".join(f"\n{' ' * 10}{m}" for m in marks)))


def trace(kata_name: str, impl_path: Path, n_hidden: int = 10, m: int = 32) -> tuple[str, bool]:
    """The trace as text, and whether it found nothing wrong."""
    from ..impl import Implementation, ImplementationError
    from ..suite import oracles

    kata = manifest.get(kata_name)
    sizes = sizes_for(kata_name, n_hidden, m)
    impl = Implementation(impl_path)
    try:
        module = impl.module(kata.module)
    except ImplementationError as exc:
        raise UsageError(str(exc)) from None
    source = Source(impl.file_of(kata.module))
    stood_in = {}
    for name, value in list(vars(module).items()):
        if callable(value) and hasattr(oracles, name):
            try:
                other = manifest.kata_of_function(name)
            except KeyError:
                continue
            if other.module != kata.module:
                stood_in[name] = value
                setattr(module, name, getattr(oracles, name))
    tracer = Tracer(source, kata_name, sizes)
    head = [f"trace {kata_name}: {impl.display(kata.module)} on the seed's shapes "
            f"(n_in {sizes['n_in']}, n_hidden {n_hidden}, n_out 10, m {m})"]
    calls = inputs(kata_name, sizes)
    todo, seen = [c[0] for c in calls], set()
    while todo:  # the traced functions and the same-file functions they call
        name = todo.pop()
        code = getattr(vars(module).get(name), "__code__", None)
        if name in seen or code is None:
            continue
        seen.add(name)
        todo += [n for n in code.co_names if getattr(vars(module).get(n), "__module__", None) == module.__name__]
    used = {n for f in seen for n in vars(module)[f].__code__.co_names} & set(stood_in)
    if used:
        head.append(f"(your {', '.join(sorted(used))} from other modules: trusted stand-ins here)")
    try:
        for fname, args, kwargs in calls:
            fn = getattr(module, fname, None)
            if not callable(fn):
                raise UsageError(f"{impl.display(kata.module)} has no function {fname}()")
            sys.settrace(tracer.global_trace)
            try:
                fn(*args, **kwargs)
            except Exception:
                pass  # the tracer has noted where
            finally:
                sys.settrace(None)
                tracer.depth = 0
            if tracer.error:
                break
    finally:
        for name, value in stood_in.items():
            setattr(module, name, value)
    body = []
    for depth, line, text in tracer.rows:
        pad = "  " * (depth - 1)
        body.append(f"{pad}{text}" if line is None else f"{pad}  {line:>4} │ {text}")
    tail = [""]
    if tracer.not_started:
        tail.append(f"Not started: {tracer.error.split(': ', 1)[-1]}. Write it, then trace again.")
    if tracer.first:
        tail.append(f"First departure from the contract: {tracer.first}")
    if tracer.comment_misses:
        tail.append("Your shape comments that disagree with the arrays:")
        tail += [f"  {c}" for c in tracer.comment_misses]
    ok = not (tracer.first or tracer.comment_misses or tracer.not_started)
    if ok:
        tail.append("Every array has the shape the contract implies" + (", and every shape comment agrees."
                                                                        if source.comments else "."))
        if n_hidden == 10 and kata_name in ("backward", "train"):
            tail.append("W2 is square (10, 10): a transpose cannot change a shape here. "
                        f"`nn-kata trace {kata_name} --n-hidden 16` makes the shapes differ.")
    return "\n".join(head + body + tail), ok


def cmd_trace(args) -> int:
    from ..usage import impl_dir
    from ..usage import kata as kata_named

    kata = kata_named(args.kata)
    if kata.name not in KATAS:
        raise UsageError(f"trace follows {', '.join(KATAS)}; {kata.name} is not one of them")
    if args.n_hidden < 1 or args.m < 1:
        raise UsageError("--n-hidden and --m must be at least 1")
    text, ok = trace(kata.name, impl_dir(args), n_hidden=args.n_hidden, m=args.m)
    print(text)
    return 0 if ok else 1
