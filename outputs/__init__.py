"""What the pipeline writes for people: the annual report, workbooks, and the small-number
suppression applied to outputs that leave the council."""
