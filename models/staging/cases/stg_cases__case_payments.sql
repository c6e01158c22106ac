with source as (

    select * from {{ source('cases', 'case_payments') }}

),

renamed as (

    select
        cast(payment_id as {{ dbt.type_string() }}) as payment_id,
        cast(case_ref as {{ dbt.type_string() }}) as case_ref,
        cast(amount_gbp as decimal(18, 2)) as amount_gbp,
        cast(payment_reason as {{ dbt.type_string() }}) as payment_reason,
        cast(paid_date as date) as paid_date,
        cast(following_lgsco as boolean) as is_following_lgsco,
        cast(_delivery_id as {{ dbt.type_string() }}) as delivery_id,
        cast(_delivered_at as timestamp) as delivered_at,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_row as integer) as source_row

    from source

)

select * from renamed
