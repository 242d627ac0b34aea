"""Reverse mode: forward and backward sweeps of one routine (see engine.py)."""
from fadj.ad.reverse.engine import Reverser, Sweep

__all__ = ["Reverser", "Sweep"]
