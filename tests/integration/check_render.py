#!/usr/bin/env python3
"""End-to-end check of `pullwatch render`: every view draws a PNG of the asked size from a demo
history without a display, and bad input is one line on stderr with exit code 2.

usage: check_render.py PULLWATCH WORKDIR
"""
import os
import shutil
import struct
import subprocess
import sys

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def png_size(path):
    """Width and height from the IHDR chunk, or None when the file is not a PNG."""
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def main():
    pullwatch, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    db = os.path.join(work, "h.db")
    subprocess.run([pullwatch, "demo", "--events", "20000", "--db", db], check=True,
                   capture_output=True)

    for view, extra in [("overview", []), ("timeline", ["--from", "-7d"]),
                        ("breakdown", ["--from", "-7d"]), ("compare", ["--group", "kube-tools"])]:
        out = os.path.join(work, f"{view}.png")
        run = subprocess.run([pullwatch, "render", "--view", view, "--db", db, "--out", out,
                              "--width", "900", "--height", "500", *extra],
                             capture_output=True, text=True, timeout=120)
        check(run.returncode == 0, f"render {view}: exit {run.returncode}: {run.stderr.strip()}")
        check(os.path.exists(out) and png_size(out) == (900, 500),
              f"render {view}: a 900x500 PNG (got {os.path.exists(out) and png_size(out)})")
        check(f"wrote {out}" in run.stderr, f"render {view}: says what it wrote")
        check(run.stdout == "", f"render {view}: nothing on stdout")
    timeline = subprocess.run([pullwatch, "render", "--view", "timeline", "--db", db, "--out",
                               os.path.join(work, "t.png"), "--from", "-7d"],
                              capture_output=True, text=True)
    check("7 images x 169 buckets" in timeline.stderr,
          f"timeline: 7 demo images, 7 days of hourly buckets ({timeline.stderr.strip()})")

    bad = [
        (["--view", "graphs", "--out", "x.png"], "--view must be overview, timeline, breakdown"),
        (["--view", "timeline"], "--out FILE.png is required"),
        (["--view", "timeline", "--out", "x.png", "--width", "10"], "--width and --height"),
        (["--view", "timeline", "--out", "x.png", "--from", "yesterday"], "render: "),
        (["--view", "timeline", "--out", "x.png", "--from", "-1d", "--to", "-2d"],
         "--to must be after --from"),
        (["--view", "overview", "--out", os.path.join(work, "missing", "dir", "x.png")],
         "cannot write the PNG"),
    ]
    for args, message in bad:
        run = subprocess.run([pullwatch, "render", "--db", db, *args], capture_output=True,
                             text=True, timeout=60)
        lines = run.stderr.strip().splitlines()
        check(run.returncode == 2, f"render {' '.join(args)}: exit 2 (got {run.returncode})")
        check(len(lines) == 1 and message in lines[0],
              f"render {' '.join(args)}: one line naming the problem (got {lines})")

    if failures:
        print("\n".join(failures))
        return 1
    print("render: 4 views drawn at the asked size; 6 bad inputs refused with one line")
    return 0


if __name__ == "__main__":
    sys.exit(main())
