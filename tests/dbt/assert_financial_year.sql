-- financial_year(d) is the April-March year as text YYYY/YY.

with cases as (

    select
        cast(day as date) as day,
        expected
    from (
        values
        ('2023-03-31', '2022/23'),
        ('2023-04-01', '2023/24'),
        ('2024-02-29', '2023/24'),
        ('1999-12-31', '1999/00'),
        ('2000-04-01', '2000/01')
    ) as expectations (day, expected)  -- noqa: AL05

)

select
    day,
    expected,
    {{ financial_year('day') }} as actual
from cases
where {{ financial_year('day') }} <> expected
