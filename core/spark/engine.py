"""Which training engine runs, and the one Spark session of a process.

`local` (the default) trains in this process; `spark` hands the heavy fits to Spark, on this machine
(`local[*]`) or on a cluster (`spark://HOST:7077`, `yarn`, or whatever spark-submit was given). Spark
is for size, not speed: on one machine it is slower than the local trainers.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import PersonaLensError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LOCAL, SPARK = "local", "spark"
ENGINES = (LOCAL, SPARK)
DEFAULT_MASTER = "local[*]"
INSTALL = (
    "the Spark engine needs pyspark (pip install -r requirements-spark.txt) and Java 17 or 21 "
    "(Debian: apt-get install openjdk-17-jre-headless)"
)
# Sensible defaults for one machine; any --spark-conf KEY=VALUE overrides them.
DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.driver.memory": "4g",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


@dataclass(frozen=True)
class SparkSettings:
    """Where Spark runs and how: master URL, extra configuration, and the hand-off folder.

    handoff: a folder the driver and every executor can read and write (on a cluster, a shared mount);
    None uses a temporary folder on this machine, which only works with a local master.
    """

    master: str | None = None
    conf: dict[str, str] = field(default_factory=dict, hash=False)
    handoff: str | None = None


_lock = threading.Lock()
_settings = SparkSettings()
_session: SparkSession | None = None
_scratch: Path | None = None


def parse_conf(pairs: list[str] | tuple[str, ...] | None) -> dict[str, str]:
    """KEY=VALUE strings (from --spark-conf) as a dict; a malformed one is refused by name."""
    out = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise PersonaLensError(f"--spark-conf takes KEY=VALUE, such as spark.executor.memory=8g, not {pair!r}")
        out[key.strip()] = value.strip()
    return out


def unavailable() -> str | None:
    """Why the Spark engine cannot run here (what to install), or None; cheap: imports nothing."""
    from importlib.util import find_spec

    try:
        found = find_spec("pyspark") is not None
    except (ImportError, ValueError):  # a module entry set to None (hidden) or broken
        found = False
    if not found:
        return INSTALL
    if shutil.which("java") is None and not _java_home():
        return INSTALL + ": no java was found on PATH or in JAVA_HOME"
    return None


def check_available() -> str:
    """The installed Spark version, or a clear message naming what to install."""
    problem = unavailable()
    if problem:
        raise PersonaLensError(problem)
    import pyspark

    return pyspark.__version__


def _java_home() -> str | None:
    import os

    home = os.environ.get("JAVA_HOME")
    return home if home and Path(home, "bin", "java").exists() else None


def configure(settings: SparkSettings) -> None:
    """The settings the next session starts with (a running session keeps its own: Spark allows one)."""
    global _settings
    with _lock:
        _settings = settings


def session() -> SparkSession:
    """This process's Spark session, started on first use (about 5 s on one machine)."""
    global _session
    check_available()
    with _lock:
        if _session is not None and _session.sparkContext._jsc is not None:
            return _session
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.appName("PersonaLens")
        if _settings.master:
            builder = builder.master(_settings.master)
        elif not _submitted():
            builder = builder.master(DEFAULT_MASTER)
        for key, value in {**DEFAULT_CONF, **_settings.conf}.items():
            builder = builder.config(key, value)
        try:
            _session = builder.getOrCreate()
        except Exception as exc:  # Java missing or too old, master unreachable
            raise PersonaLensError(f"Spark could not start ({type(exc).__name__}: {exc}); {INSTALL}") from exc
        _session.sparkContext.setLogLevel("ERROR")
        # ALS and LDA build long lineages: without checkpoints the JVM overflows its stack.
        _session.sparkContext.setCheckpointDir(str(handoff_root() / "checkpoints"))
        return _session


def _submitted() -> bool:
    """True under spark-submit, which sets the master itself."""
    import os

    return bool(os.environ.get("PYSPARK_GATEWAY_PORT") or os.environ.get("SPARK_ENV_LOADED"))


def handoff_root() -> Path:
    """Where jobs exchange Parquet: the configured shared folder, or a temporary one for local masters."""
    global _scratch
    if _settings.handoff:
        root = Path(_settings.handoff)
        root.mkdir(parents=True, exist_ok=True)
        return root
    if _scratch is None or not _scratch.is_dir():
        _scratch = Path(tempfile.mkdtemp(prefix="personalens-spark-"))
        atexit.register(shutil.rmtree, _scratch, True)
    return _scratch


def metadata(engine: str) -> dict[str, str]:
    """What a version records about where it trained: the engine, and on Spark its version and master."""
    if engine != SPARK:
        return {"engine": LOCAL}
    spark = session()
    return {"engine": SPARK, "spark_version": spark.version, "spark_master": spark.sparkContext.master}


def check_engine(name: str) -> str:
    if name not in ENGINES:
        raise PersonaLensError(f"there is no engine {name!r}: use one of {', '.join(ENGINES)}")
    if name == SPARK:
        check_available()
    return name


def stop() -> None:
    """Stop the session (tests, and the end of a CLI run) and remove the temporary hand-off folder."""
    global _session, _scratch
    with _lock:
        if _session is not None:
            _session.stop()
            _session = None
        if _scratch is not None:
            shutil.rmtree(_scratch, ignore_errors=True)
            _scratch = None
