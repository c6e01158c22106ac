-- working_days_between(a, b) counts working days d with a < d <= b. Expected values were
-- counted by hand on a calendar; a row is returned (and the test fails) on any mismatch.

with cases as (

    select
        cast(start_day as date) as start_day,
        cast(end_day as date) as end_day,
        expected,
        note
    from (
        values
        ('2023-06-05', '2023-06-05', 0, 'answered on the day of receipt'),
        ('2023-06-03', '2023-06-05', 1, 'received Saturday, answered Monday'),
        ('2023-06-02', '2023-06-05', 1, 'received Friday, answered Monday'),
        ('2023-12-22', '2023-12-27', 1, 'Christmas Day and Boxing Day 2023'),
        ('2023-12-22', '2024-01-02', 4, 'Christmas and New Year 2023/24'),
        ('2020-12-24', '2020-12-29', 1, 'Boxing Day on Saturday: substitute Monday 28/12/2020'),
        ('2023-04-06', '2023-04-11', 1, 'Good Friday and Easter Monday 2023'),
        ('2024-03-28', '2024-04-02', 1, 'Good Friday 29/03 and Easter Monday 01/04/2024'),
        ('2022-06-01', '2022-06-06', 1, 'Platinum Jubilee 2-3 June 2022'),
        ('2023-05-05', '2023-05-09', 1, 'Coronation bank holiday 08/05/2023'),
        ('2023-04-03', '2023-05-02', 18, 'four weeks over Easter 2023 and 1 May')
    ) as expectations (start_day, end_day, expected, note)  -- noqa: AL05

),

computed as (

    select
        *,
        {{ working_days_between('start_day', 'end_day') }} as actual
    from cases

)

select *
from computed
where actual is distinct from expected
