"""The built-in demo store: a seeded simulator and the workspace built from it."""

from core.demo.build import build_demo_workspace, write_demo_csvs
from core.demo.simulator import DemoData, simulate_store

__all__ = ["DemoData", "build_demo_workspace", "simulate_store", "write_demo_csvs"]
