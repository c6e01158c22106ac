with source as (

    select * from {{ source('cases', 'ombudsman_cases') }}

),

renamed as (

    select
        cast(lgsco_ref as {{ dbt.type_string() }}) as lgsco_ref,
        cast(case_ref as {{ dbt.type_string() }}) as case_ref,
        cast(directorate as {{ dbt.type_string() }}) as directorate_recorded,
        cast(service as {{ dbt.type_string() }}) as service_recorded,
        cast(received_date as date) as received_date,
        cast(decision_date as date) as decision_date,
        cast(council_outcome as {{ dbt.type_string() }}) as council_outcome,
        cast(remedy_amount_gbp as decimal(18, 2)) as remedy_amount_gbp,
        cast(_delivery_id as {{ dbt.type_string() }}) as delivery_id,
        cast(_delivered_at as timestamp) as delivered_at,
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_row as integer) as source_row

    from source

)

select * from renamed
