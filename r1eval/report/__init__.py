"""Reading finished runs: tables, paired statistics, HTML report and figures, CI gate, exports."""
