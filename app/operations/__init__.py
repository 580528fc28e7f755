"""Operations on the county's records as a whole: imports and exports, verification lists, the
school-year turnover, bulk writes, backups, health and logs."""
