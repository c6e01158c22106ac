-- Table 13: compliments, comments, informal concerns and complaints (all stages) received
-- in the year by channel ('not_recorded' when none), with a channel = 'Total' row, each
-- channel's share of the year's total, and the year's digital share (email + online form)
-- on every row.

with years as (

    select financial_year from {{ ref('int_financial_years') }}

),

channels as (

    select 'phone' as channel
    union all
    select 'letter'
    union all
    select 'email'
    union all
    select 'face_to_face'
    union all
    select 'online_form'
    union all
    select 'via_member_or_director'
    union all
    select 'web_survey'
    union all
    select 'social_media'
    union all
    select 'other'
    union all
    select 'not_recorded'
    union all
    select 'Total'

),

received as (

    select
        received_financial_year as financial_year,
        coalesce(channel, 'not_recorded') as channel
    from {{ ref('fct_cases') }}
    where feedback_type in ('complaint', 'comment', 'compliment', 'informal_concern')

),

counted as (

    select
        financial_year,
        case when grouping(channel) = 1 then 'Total' else channel end as channel,
        count(*) as received
    from received
    group by rollup(financial_year, channel)
    having financial_year is not null

),

spine as (

    select
        years.financial_year,
        channels.channel,
        cast(coalesce(counted.received, 0) as integer) as received
    from years
    cross join channels
    left join counted
        on
            years.financial_year = counted.financial_year
            and channels.channel = counted.channel

),

with_totals as (

    select
        *,
        max(case when channel = 'Total' then received end)
            over (partition by financial_year) as year_total,
        sum(case when channel in ('email', 'online_form') then received else 0 end)
            over (partition by financial_year) as year_digital
    from spine

)

select
    financial_year,
    channel,
    received,
    received / nullif(cast(year_total as double precision), 0) as share,
    channel in ('email', 'online_form') as is_digital,
    year_digital / nullif(cast(year_total as double precision), 0) as digital_share
from with_totals
