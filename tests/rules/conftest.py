"""The rules suite imports its own modules (harness, rules) from this directory."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
