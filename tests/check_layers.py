#!/usr/bin/env python3
"""The arrows of DESIGN.md "Layers and folders", checked on every #include of the sources.

    check_layers.py SOURCE_DIR [--qt MODULE=INCLUDE_DIR ...]

Fails (exit 1, one line per wrong include: file:line: what and why) when
- models/ includes Widgets, Charts or Network, or anything of app/ or ui/;
- app/ outside the executable (main.cpp, Dashboard.*) includes Widgets, Charts or ui/;
- a room of app/ includes a room it may not use (net/ and config/ stand alone, cli/ is used
  only by the executable, ...);
- ui/ includes app/ code, or does network or file I/O itself;
- a Sqlite* header or <sqlite3.h> is included outside models/history/sqlite/, or anything of
  models/history/sqlite/ outside models/history/ (callers know HistoryStore and openHistory).
Qt headers are recognised by the module folders given with --qt (e.g. Widgets=/usr/include/
x86_64-linux-gnu/qt6/QtWidgets); a built-in list of the common class prefixes covers the rest.
"""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SOURCES = (".cpp", ".h")

# The rooms of app/ and the rooms each may include (besides itself and models/).
APP_ROOMS = {
    "config": set(),
    "net": set(),
    "registry": {"net", "config"},
    "ci": {"net", "config"},
    "demo": set(),
    "services": {"registry", "ci", "net", "config", "demo"},
    "cli": {"services", "registry", "ci", "net", "config", "demo"},
}
EXECUTABLE = {"app/main.cpp", "app/Dashboard.cpp", "app/Dashboard.h"}

# When a module's include folder is not given: what its class headers start with.
FALLBACK = {
    "Widgets": re.compile(r"^(QtWidgets/|QWidget|QApplication$|QMainWindow|QDialog|QLabel|"
                          r"QPushButton|QLayout|QVBoxLayout|QHBoxLayout|QTableView|QMessageBox|"
                          r"QFileDialog|QSystemTrayIcon|QMenu|QToolBar|QStatusBar)"),
    "Charts": re.compile(r"^(QtCharts/|QChart|Q\w*Series$|Q\w*Axis$)"),
    "Network": re.compile(r"^(QtNetwork/|QNetwork|QSsl|QTcp|QUdp|QHostAddress|QHostInfo|"
                          r"QLocalSocket|QLocalServer|QAbstractSocket)"),
}
FILE_IO = re.compile(r"^(QFile|QSaveFile|QTemporaryFile|QLockFile|QProcess)$")


def qt_module_headers(specs):
    modules = {}
    for spec in specs:
        name, _, folder = spec.partition("=")
        if os.path.isdir(folder):
            modules[name] = set(os.listdir(folder))
    return modules


def module_of(header, modules):
    """The Qt module a <header> belongs to, among those checked, or None."""
    for name in ("Widgets", "Charts", "Network"):
        top = header.split("/")[0]
        if header.startswith("Qt%s/" % name) or top == "Qt" + name:
            return name
        if name in modules:
            if header in modules[name]:
                return name
        elif FALLBACK[name].match(header):
            return name
    return None


def library_of(header, source):
    """For a quoted include spelled from a library root: (library, room); room None at a root."""
    first, slash, _ = header.partition("/")
    if not slash:
        for library in ("models", "ui", "app"):
            if os.path.isfile(os.path.join(source, library, header)):
                return library, None
        return None, None
    if first in APP_ROOMS:
        return "app", first
    if os.path.isdir(os.path.join(source, "models", first)):
        return "models", first
    if os.path.isdir(os.path.join(source, "ui", first)):
        return "ui", first
    return None, None


def problems_in(path, rel, source, modules):
    top = rel.split("/")[0]
    parts = rel.split("/")
    app_room = parts[1] if top == "app" and len(parts) > 2 else None
    executable = rel in EXECUTABLE
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            angle, header = m.group(1) == "<", m.group(2)
            where = "%s:%d: #include %s" % (rel, number, line.strip().split(None, 1)[1])

            # SQLite stays inside its backend, the backend inside models/history/.
            # (openHistory, in models/history/, is the one place that picks a backend.)
            if header == "sqlite3.h" and not rel.startswith("models/history/sqlite/"):
                yield where + ": SQLite itself is known only inside models/history/sqlite/"
                continue
            if (header.startswith("history/sqlite/") or
                    os.path.basename(header).startswith("Sqlite")) and \
                    not rel.startswith("models/history/"):
                yield where + ": outside models/history/, code knows only HistoryStore and openHistory"
                continue

            if angle:
                module = module_of(header, modules)
                if top == "models" and module:
                    yield where + ": models/ is Qt Core only (no %s)" % module
                elif top == "app" and not executable and module in ("Widgets", "Charts"):
                    yield where + ": only the executable (app/main.cpp, app/Dashboard.*) sees %s" % module
                elif top == "ui" and (module == "Network" or FILE_IO.match(header)):
                    yield where + ": ui/ does no network or file I/O; it asks a service through models/ports/"
                continue

            library, room = library_of(header, source)
            if top == "models" and library in ("app", "ui"):
                yield where + ": models/ depends on nothing of app/ or ui/"
            elif top == "ui" and library == "app":
                yield where + ": ui/ never includes app/ code; it asks through models/ports/"
            elif top == "app" and not executable:
                if library == "ui" or header == "Dashboard.h":
                    yield where + ": only the executable (app/main.cpp, app/Dashboard.*) sees ui/"
                elif library == "app" and room and app_room and room != app_room and \
                        room not in APP_ROOMS.get(app_room, set()):
                    yield where + ": app/%s/ may not use app/%s/" % (app_room, room)


def check(source, modules):
    """(files looked at, one line per wrong include)."""
    files = 0
    problems = []
    for top in ("app", "models", "ui"):
        for root, dirs, names in os.walk(os.path.join(source, top)):
            dirs.sort()
            for name in sorted(names):
                if not name.endswith(SOURCES):
                    continue
                path = os.path.join(root, name)
                rel = os.path.relpath(path, source).replace(os.sep, "/")
                files += 1
                problems.extend(problems_in(path, rel, source, modules))
    return files, problems


# --self-test: every kind of wrong arrow, each in a tree that is otherwise right, must be
# reported at its file and line; the right tree must pass.
RIGHT_TREE = {
    "models/PullEvent.h": "#include <QString>\n",
    "models/history/HistoryStore.h": '#include "PullEvent.h"\n',
    "models/history/OpenHistory.cpp": '#include "history/sqlite/SqliteHistoryStore.h"\n',
    "models/history/sqlite/SqliteHistoryStore.h": "#include <sqlite3.h>\n",
    "models/ports/PullMonitor.h": "#include <QObject>\n",
    "app/net/HttpClient.h": "#include <QNetworkReply>\n",
    "app/config/Config.h": '#include "PullEvent.h"\n',
    "app/registry/RegistryClient.h": '#include "net/HttpClient.h"\n#include "config/Config.h"\n',
    "app/ci/CiPoller.h": '#include "net/HttpClient.h"\n#include "history/OpenHistory.h"\n',
    "app/services/Poller.h": '#include "registry/RegistryClient.h"\n#include "ci/CiPoller.h"\n',
    "app/cli/CommandLine.cpp": '#include "services/Poller.h"\n',
    "app/Dashboard.cpp": '#include "MainWindow.h"\n#include "cli/CommandLine.h"\n#include <QApplication>\n',
    "ui/MainWindow.h": '#include <QMainWindow>\n#include "ports/PullMonitor.h"\n',
    "ui/charts/Chart.h": "#include <QChartView>\n",
}
WRONG = [  # (file, the line added, what the report must say)
    ("models/PullEvent.h", "#include <QWidget>", "Qt Core only"),
    ("models/history/HistoryStore.h", "#include <QNetworkAccessManager>", "Qt Core only"),
    ("models/PullEvent.h", '#include "registry/RegistryClient.h"', "nothing of app/ or ui/"),
    ("models/PullEvent.h", '#include "MainWindow.h"', "nothing of app/ or ui/"),
    ("app/services/Poller.h", "#include <QWidget>", "only the executable"),
    ("app/cli/CommandLine.cpp", "#include <QtCharts/QChartView>", "only the executable"),
    ("app/cli/CommandLine.cpp", '#include "MainWindow.h"', "only the executable"),
    ("app/config/Config.h", '#include "registry/RegistryClient.h"', "app/config/ may not use app/registry/"),
    ("app/ci/CiPoller.h", '#include "registry/RegistryClient.h"', "app/ci/ may not use app/registry/"),
    ("app/net/HttpClient.h", '#include "config/Config.h"', "app/net/ may not use app/config/"),
    ("app/services/Poller.h", '#include "cli/CommandLine.h"', "app/services/ may not use app/cli/"),
    ("ui/MainWindow.h", '#include "services/Poller.h"', "ui/ never includes app/ code"),
    ("ui/MainWindow.h", "#include <QFile>", "no network or file I/O"),
    ("ui/charts/Chart.h", "#include <QTcpSocket>", "no network or file I/O"),
    ("app/ci/CiPoller.h", "#include <sqlite3.h>", "SQLite itself"),
    ("models/PullEvent.h", '#include "history/sqlite/SqliteHistoryStore.h"', "only HistoryStore"),
    ("app/services/Poller.h", '#include "history/sqlite/SqliteSchema.h"', "only HistoryStore"),
]


def self_test(modules):
    import tempfile

    def tree(extra_file=None, extra_line=None):
        root = tempfile.mkdtemp(prefix="layers-")
        for rel, text in RIGHT_TREE.items():
            if rel == extra_file:
                text += extra_line + "\n"
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
        return root

    failures = []
    _, problems = check(tree(), modules)
    if problems:
        failures.append("the right tree was refused: %s" % problems)
    for rel, line, wanted in WRONG:
        _, problems = check(tree(rel, line), modules)
        if not any(p.startswith(rel + ":") and line in p and wanted in p for p in problems):
            failures.append("%s: %s: not reported as '%s' (got %s)" % (rel, line, wanted, problems))
        elif len(problems) != 1:
            failures.append("%s: %s: %d reports, want 1: %s" % (rel, line, len(problems), problems))
    for failure in failures:
        print(failure)
    print("self-test: %d wrong includes, %d not caught" % (len(WRONG), len(failures)), file=sys.stderr)
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("--qt", action="append", default=[], metavar="MODULE=DIR")
    parser.add_argument("--self-test", action="store_true",
                        help="check that every kind of wrong include is caught")
    args = parser.parse_args()
    modules = qt_module_headers(args.qt)
    if args.self_test:
        return self_test(modules)
    files, problems = check(args.source, modules)
    for problem in problems:
        print(problem)
    if files == 0:
        print("%s: no sources under app/, models/ or ui/" % args.source)
        return 2
    print("%d files, %d wrong includes" % (files, len(problems)), file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
