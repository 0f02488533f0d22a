"""Runs: generate into the journal, score into verdicts, compute results; sweeps over checkpoints."""
