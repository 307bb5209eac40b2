#!/usr/bin/env python3
"""Compile, at image build time, the standard-library modules a container imports at start.

The base image ships its standard library without bytecode (python:3.11-slim deletes every .pyc
to stay small), and a container cannot store what it compiles (root-owned files, a non-root user,
PYTHONDONTWRITEBYTECODE=1, a read-only root in prod). So every process compiled the modules it
imports again on every start: each health probe about a tenth of a second of CPU, each uvicorn
start (and each reload in dev) much more. Compiling the whole standard library would add about
11 MB to every image; this compiles the modules that uvicorn, FastAPI and berth's scripts
import (MODULES below: the standard-library part of `sys.modules` after importing uvicorn's
server, reloader and protocols, FastAPI and the two scripts, on Python 3.11), about 6 MB.

Run by the Dockerfile from a bind mount of the build context (no layer keeps this script):

    RUN --mount=type=bind,source=scripts/precompile-stdlib.py,target=/tmp/precompile-stdlib.py \\
        python3 /tmp/precompile-stdlib.py

A name that this Python does not have is skipped (the list follows 3.11; a newer base image
compiles what it still has). Exit 1 only when a module that exists fails to compile.
Standard library only.
"""

from __future__ import annotations

import compileall
import sys
import sysconfig
from pathlib import Path

PACKAGES = (
    "asyncio collections concurrent email html http importlib json logging multiprocessing "
    "re urllib zoneinfo"
).split()
MODULES = (
    "__future__ _collections_abc _compat_pickle _compression _sitebuiltins _weakrefset abc ast "
    "base64 bisect bz2 calendar codecs colorsys configparser contextlib contextvars copy copyreg "
    "csv dataclasses datetime decimal dis enum fnmatch fractions functools genericpath gettext "
    "hashlib heapq hmac inspect io ipaddress keyword linecache locale lzma mimetypes ntpath "
    "numbers opcode operator os pathlib pickle pkgutil platform posixpath queue quopri random "
    "reprlib runpy secrets selectors shlex shutil signal site socket socketserver ssl stat string "
    "struct subprocess sysconfig tempfile textwrap threading token tokenize traceback types "
    "typing uuid warnings weakref zipfile zipimport"
).split()
ENCODINGS = "__init__ aliases utf_8 latin_1 ascii idna".split()


def main() -> int:
    stdlib = Path(sysconfig.get_path("stdlib"))
    ok = True
    count = 0
    for name in PACKAGES:
        folder = stdlib / name
        if folder.is_dir():
            ok &= bool(compileall.compile_dir(folder, quiet=2, workers=0))
            count += 1
    files = [stdlib / f"{name}.py" for name in MODULES]
    files += [stdlib / "encodings" / f"{name}.py" for name in ENCODINGS]
    for path in files:
        if path.is_file():
            ok &= bool(compileall.compile_file(path, quiet=2))
            count += 1
    print(f"precompile-stdlib: {count} modules and packages of {stdlib} compiled")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
