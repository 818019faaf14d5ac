"""The JSON schema of a COUNTER_SUSHI Release 5.0.2 Item Report (IR), for the tests.

Transcribed from COUNTER's own API definitions (COUNTER_SUSHI API 5.0.2,
`COUNTER_item_report` and the definitions it refers to), keeping every `required` list,
enumeration and format they give and leaving out their descriptions and examples. The
Swagger 2.0 `definitions` become JSON Schema `$defs`; nothing is made stricter or looser.
"""

from typing import Any

DATA_TYPES = [
    "Article",
    "Book",
    "Book_Segment",
    "Dataset",
    "Journal",
    "Multimedia",
    "Newspaper_or_Newsletter",
    "Other",
    "Report",
    "Repository_Item",
    "Thesis_or_Dissertation",
]
METRIC_TYPES = [
    "Searches_Automated",
    "Searches_Federated",
    "Searches_Platform",
    "Searches_Regular",
    "Total_Item_Investigations",
    "Total_Item_Requests",
    "Unique_Item_Investigations",
    "Unique_Item_Requests",
    "Unique_Title_Investigations",
    "Unique_Title_Requests",
    "No_License",
    "Limit_Exceeded",
]


def _type_value(types: list[str] | None = None) -> dict[str, Any]:
    kind: dict[str, Any] = {"type": "string"}
    if types:
        kind["enum"] = types
    return {
        "type": "object",
        "required": ["Type", "Value"],
        "properties": {"Type": kind, "Value": {"type": "string"}},
    }


def _name_value() -> dict[str, Any]:
    return {
        "required": ["Name", "Value"],
        "properties": {"Name": {"type": "string"}, "Value": {"type": "string"}},
    }


def _list_of(name: str) -> dict[str, Any]:
    return {"type": "array", "items": {"$ref": f"#/$defs/{name}"}}


ITEM_REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$ref": "#/$defs/COUNTER_item_report",
    "$defs": {
        "SUSHI_error_model": {
            "type": "object",
            "required": ["Code", "Severity", "Message"],
            "properties": {
                "Code": {"type": "integer"},
                "Severity": {
                    "type": "string",
                    "enum": ["Warning", "Error", "Fatal", "Debug", "Info"],
                },
                "Message": {"type": "string"},
                "Help_URL": {"type": "string"},
                "Data": {"type": "string"},
            },
        },
        "SUSHI_org_identifiers": _type_value(["ISNI", "ISIL", "OCLC", "Proprietary"]),
        "SUSHI_report_header": {
            "type": "object",
            "required": [
                "Created",
                "Created_By",
                "Report_ID",
                "Report_Name",
                "Release",
                "Institution_Name",
                "Report_Filters",
            ],
            "properties": {
                "Created": {"type": "string", "format": "date-time"},
                "Created_By": {"type": "string"},
                "Customer_ID": {"type": "string"},
                "Report_ID": {"type": "string"},
                "Release": {"type": "string"},
                "Report_Name": {"type": "string"},
                "Institution_Name": {"type": "string"},
                "Institution_ID": _list_of("SUSHI_org_identifiers"),
                "Report_Filters": {"type": "array", "items": _name_value()},
                "Report_Attributes": {"type": "array", "items": _name_value()},
                "Exceptions": _list_of("SUSHI_error_model"),
            },
        },
        "COUNTER_item_identifiers": _type_value(
            ["Online_ISSN", "Print_ISSN", "Linking_ISSN", "ISBN", "DOI", "Proprietary", "URI"]
        ),
        "COUNTER_publisher_identifiers": _type_value(["ISNI", "Proprietary"]),
        "COUNTER_item_contributors": {
            "type": "object",
            "required": ["Type", "Name"],
            "properties": {
                "Type": {"type": "string", "enum": ["Author"]},
                "Name": {"type": "string"},
                "Identifier": {"type": "string"},
            },
        },
        "COUNTER_item_dates": _type_value(["Publication_Date"]),
        "COUNTER_item_attributes": _type_value(
            [
                "Article_Version",
                "Article_Type",
                "Qualification_Name",
                "Qualification_Level",
                "Proprietary",
            ]
        ),
        "COUNTER_item_performance": {
            "type": "object",
            "required": ["Period", "Instance"],
            "properties": {
                "Period": {
                    "type": "object",
                    "required": ["Begin_Date", "End_Date"],
                    "properties": {
                        "Begin_Date": {"type": "string"},
                        "End_Date": {"type": "string"},
                    },
                },
                "Instance": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["Metric_Type", "Count"],
                        "properties": {
                            "Metric_Type": {"type": "string", "enum": METRIC_TYPES},
                            "Count": {"type": "integer"},
                        },
                    },
                },
            },
        },
        "COUNTER_item_parent": {
            "type": "object",
            "required": ["Item_ID"],
            "properties": {
                "Item_Name": {"type": "string"},
                "Item_ID": _list_of("COUNTER_item_identifiers"),
                "Item_Contributors": _list_of("COUNTER_item_contributors"),
                "Item_Dates": _list_of("COUNTER_item_dates"),
                "Item_Attributes": _list_of("COUNTER_item_attributes"),
                "Data_Type": {"type": "string", "enum": DATA_TYPES},
            },
        },
        "COUNTER_item_component": {
            "type": "object",
            "required": ["Item_ID", "Performance"],
            "properties": {
                "Item_Name": {"type": "string"},
                "Item_ID": _list_of("COUNTER_item_identifiers"),
                "Item_Contributors": _list_of("COUNTER_item_contributors"),
                "Item_Dates": _list_of("COUNTER_item_dates"),
                "Item_Attributes": _list_of("COUNTER_item_attributes"),
                "Data_Type": {"type": "string", "enum": DATA_TYPES},
                "Performance": _list_of("COUNTER_item_performance"),
            },
        },
        "COUNTER_item_usage": {
            "type": "object",
            "required": ["Item", "Platform", "Publisher", "Performance"],
            "properties": {
                "Item": {"type": "string"},
                "Item_ID": _list_of("COUNTER_item_identifiers"),
                "Item_Contributors": _list_of("COUNTER_item_contributors"),
                "Item_Dates": _list_of("COUNTER_item_dates"),
                "Item_Attributes": _list_of("COUNTER_item_attributes"),
                "Platform": {"type": "string"},
                "Publisher": {"type": "string"},
                "Publisher_ID": _list_of("COUNTER_publisher_identifiers"),
                "Item_Parent": {"$ref": "#/$defs/COUNTER_item_parent"},
                "Item_Component": _list_of("COUNTER_item_component"),
                "Data_Type": {"type": "string", "enum": DATA_TYPES},
                "YOP": {"type": "string"},
                "Access_Type": {
                    "type": "string",
                    "enum": ["Controlled", "OA_Gold", "Other_Free_To_Read"],
                },
                "Access_Method": {"type": "string", "enum": ["Regular", "TDM"]},
                "Performance": _list_of("COUNTER_item_performance"),
            },
        },
        "COUNTER_item_report": {
            "type": "object",
            "required": ["Report_Header", "Report_Items"],
            "properties": {
                "Report_Header": {"$ref": "#/$defs/SUSHI_report_header"},
                "Report_Items": _list_of("COUNTER_item_usage"),
            },
        },
    },
}
