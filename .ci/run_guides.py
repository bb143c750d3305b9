"""Runs every command of the guides against a live server (started by .ci/contract).

In each Markdown file given, the ```sh blocks are run in order, in one bash process per file
(`set -euo pipefail`, in a fresh folder), so a guide's later commands see its earlier variables.
A block fenced ```sh no-run is what .ci/contract does itself (starting the server, exporting
its URL and key) and may hold nothing else; a shell block fenced any other way (bash, shell,
console) is refused, so no command in a guide can go unrun.
"""

import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(\S*)(?:[ \t]+(\S+))?[ \t]*$")
SHELL_LANGUAGES = {"sh", "bash", "shell", "console", "zsh"}
# What a no-run block may hold: the server start (with its settings' variables) and the two
# exports .ci/contract makes itself.
NO_RUN_LINE = re.compile(
    r"^(export CARBONPASS_(URL|KEY)=.*|(DATABASE_URL=\S+ )?cargo run .*-- serve.*|((CARBONPASS_\w+|DATABASE_URL)=\S+ )*carbonpass serve.*|#.*|)$"
)


def blocks(path):
    """(info, first line number, text) of every fenced block."""
    found, current = [], None
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            match = FENCE.match(line.rstrip("\n"))
            if current is None and match:
                current = (match.group(1), match.group(2), number, [])
            elif current is not None and line.startswith("```"):
                language, flag, start, lines = current
                found.append((language, flag, start, "".join(lines)))
                current = None
            elif current is not None:
                current[3].append(line)
    return found


def main(paths):
    failures, ran = [], 0
    for path in paths:
        script = []
        for language, flag, line, text in blocks(path):
            if language not in SHELL_LANGUAGES:
                continue
            where = f"{path}:{line}"
            if language != "sh" or flag not in (None, "no-run"):
                failures.append(f"{where}: shell blocks are fenced sh (run) or sh no-run, not {language} {flag or ''}")
            elif flag == "no-run":
                joined = text.replace("\\\n", " ")
                bad = [l for l in joined.splitlines() if not NO_RUN_LINE.match(l.strip())]
                if bad:
                    failures.append(f"{where}: a no-run block may only start the server or export its URL and key: {bad}")
            else:
                script.append(f"echo '+ {where}'\n{text}")
        if not script:
            continue
        with tempfile.TemporaryDirectory() as folder:
            run = subprocess.run(
                ["bash", "-c", "set -euo pipefail\n" + "\n".join(script)], cwd=folder, text=True,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            )
        ran += len(script)
        print(run.stdout, end="")
        if run.returncode != 0:
            failures.append(f"{path}: a command failed (exit {run.returncode}); see above")
    print(f"ran {ran} blocks from {len(paths)} files")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
