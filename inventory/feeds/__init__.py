"""Reading the four sources' CSV snapshots: headers, VINs, money, and the write path."""
