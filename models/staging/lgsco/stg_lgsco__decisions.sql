with source as (

    select * from {{ source('lgsco', 'decisions') }}

),

renamed as (

    select
        cast(reference as {{ dbt.type_string() }}) as lgsco_ref,
        cast(organisation as {{ dbt.type_string() }}) as organisation,
        cast(organisation_key as {{ dbt.type_string() }}) as organisation_key,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(subcategory as {{ dbt.type_string() }}) as subcategory,
        cast(decision as {{ dbt.type_string() }}) as decision,
        cast(publication_type as {{ dbt.type_string() }}) as publication_type,
        cast(decision_date as date) as decision_date,
        cast(summary as {{ dbt.type_string() }}) as summary,
        cast(remedy_total_gbp as decimal(18, 2)) as remedy_total_gbp,
        cast(has_monthly_remedy as boolean) as has_monthly_remedy,
        cast(remedy_amounts_json as {{ dbt.type_string() }}) as remedy_amounts_json,
        cast(satisfactory_remedy as boolean) as is_satisfactory_remedy,
        cast(satisfied_date as date) as satisfied_date,
        cast(url as {{ dbt.type_string() }}) as url,
        cast(fetched_at as timestamp) as fetched_at,
        cast(text_sha256 as {{ dbt.type_string() }}) as text_sha256,
        cast(layout as {{ dbt.type_string() }}) as page_layout,
        cast(other_references as {{ dbt.type_string() }}) as other_references,
        cast(_harvest_id as {{ dbt.type_string() }}) as harvest_id

    from source

)

select * from renamed
