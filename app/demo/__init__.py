"""The demo county: its pupils, schools and a year of work (``county``), the demo accounts' guard
(``guard``: refused outside development), and the seeders of the work of each module."""
