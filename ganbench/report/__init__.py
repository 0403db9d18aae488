"""Reports read records only: leaderboards, plots, compare, check."""
