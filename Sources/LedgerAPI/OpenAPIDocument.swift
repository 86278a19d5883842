/// The OpenAPI 3.1 document of the HTTP API, served at `GET /openapi.json`.
///
/// It is the contract of shared/API.md in machine-readable form: every operation, parameter, status and
/// field. `scripts/check-openapi.sh` validates it.
enum OpenAPIDocument {
    static let json: String = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "StrikeLedger API",
        "version": "1.0.0",
        "description": "StrikeLedger records strikes on cities, every casualty figure each source states about a strike over time, and the sources themselves; nothing is ever overwritten. The current toll is derived: `killed` is the `killed` of the non-voided revision with the latest `reported_at` (ties: the higher `seq`) among those that state it, and `injured` likewise, on its own."
      },
      "servers": [{"url": "/"}],
      "tags": [
        {"name": "Operations"},
        {"name": "Cities"},
        {"name": "Sources"},
        {"name": "Strikes"},
        {"name": "Revisions"},
        {"name": "Reports"},
        {"name": "Casualties"},
        {"name": "Changes"}
      ],
      "paths": {
        "/healthz": {
          "get": {
            "operationId": "getHealth",
            "summary": "Liveness: 200 while the process serves",
            "tags": ["Operations"],
            "security": [{}, {"bearerAuth": []}],
            "responses": {
              "200": {
                "description": "Serving.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/readyz": {
          "get": {
            "operationId": "getReadiness",
            "summary": "Readiness: 200 when the database answers, else 503",
            "tags": ["Operations"],
            "security": [{}, {"bearerAuth": []}],
            "responses": {
              "200": {
                "description": "Ready.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/metrics": {
          "get": {
            "operationId": "getMetrics",
            "summary": "Prometheus metrics",
            "tags": ["Operations"],
            "security": [{}, {"bearerAuth": []}],
            "responses": {
              "200": {
                "description": "Prometheus text exposition format.",
                "content": {"text/plain": {"schema": {"type": "string"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/openapi.json": {
          "get": {
            "operationId": "getOpenAPIDocument",
            "summary": "This OpenAPI document",
            "tags": ["Operations"],
            "security": [{}, {"bearerAuth": []}],
            "responses": {
              "200": {
                "description": "The OpenAPI 3.1 document.",
                "content": {"application/json": {"schema": {"type": "object"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/v1/cities": {
          "get": {
            "operationId": "listCities",
            "summary": "List cities matching a name or alias",
            "tags": ["Cities"],
            "security": [{}, {"bearerAuth": []}],
            "parameters": [
              {
                "name": "q",
                "in": "query",
                "schema": {"type": "string"},
                "description": "Text matched against names and aliases, ignoring case, diacritics and apostrophe variants.",
                "allowEmptyValue": true
              },
              {"$ref": "#/components/parameters/Limit"},
              {"$ref": "#/components/parameters/After"}
            ],
            "responses": {
              "200": {
                "description": "A page of cities.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CityPage"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          },
          "post": {
            "operationId": "createCity",
            "summary": "Add a city (admin)",
            "tags": ["Cities"],
            "description": "409 also when the name or an alias is already another city's.",
            "security": [{"bearerAuth": []}],
            "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
            "requestBody": {
              "required": true,
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewCity"}}}
            },
            "responses": {
              "201": {
                "description": "Created.",
                "headers": {"Location": {"$ref": "#/components/headers/Location"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/City"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "409": {"$ref": "#/components/responses/Conflict"},
              "413": {"$ref": "#/components/responses/ContentTooLarge"},
              "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
              "422": {"$ref": "#/components/responses/UnprocessableContent"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/v1/cities/{id}": {
          "parameters": [{"$ref": "#/components/parameters/Id"}],
          "get": {
            "operationId": "getCity",
            "summary": "One city",
            "tags": ["Cities"],
            "security": [{}, {"bearerAuth": []}],
            "responses": {
              "200": {
                "description": "The city.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/City"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "404": {"$ref": "#/components/responses/NotFound"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/v1/cities/{id}/aliases": {
          "parameters": [{"$ref": "#/components/parameters/Id"}],
          "post": {
            "operationId": "addCityAlias",
            "summary": "Add a spelling to a city (editor)",
            "tags": ["Cities"],
            "description": "409 also when another city owns the alias.",
            "security": [{"bearerAuth": []}],
            "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
            "requestBody": {
              "required": true,
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewAlias"}}}
            },
            "responses": {
              "201": {
                "description": "The city, with the new alias.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/City"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "404": {"$ref": "#/components/responses/NotFound"},
              "409": {"$ref": "#/components/responses/Conflict"},
              "413": {"$ref": "#/components/responses/ContentTooLarge"},
              "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
              "422": {"$ref": "#/components/responses/UnprocessableContent"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/v1/sources": {
          "get": {
            "operationId": "listSources",
            "summary": "List sources",
            "tags": ["Sources"],
            "security": [{}, {"bearerAuth": []}],
            "parameters": [
              {
                "name": "q",
                "in": "query",
                "schema": {"type": "string"},
                "description": "Text matched against names.",
                "allowEmptyValue": true
              },
              {
                "name": "kind",
                "in": "query",
                "schema": {"$ref": "#/components/schemas/SourceKind"},
                "allowEmptyValue": true
              },
              {"$ref": "#/components/parameters/Limit"},
              {"$ref": "#/components/parameters/After"}
            ],
            "responses": {
              "200": {
                "description": "A page of sources.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SourcePage"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          },
          "post": {
            "operationId": "createSource",
            "summary": "Add a source (reporter)",
            "tags": ["Sources"],
            "security": [{"bearerAuth": []}],
            "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
            "requestBody": {
              "required": true,
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewSource"}}}
            },
            "responses": {
              "200": {
                "description": "A source with the same kind, name and url already exists: that source.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Source"}}}
              },
              "201": {
                "description": "Created.",
                "headers": {"Location": {"$ref": "#/components/headers/Location"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Source"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "409": {"$ref": "#/components/responses/Conflict"},
              "413": {"$ref": "#/components/responses/ContentTooLarge"},
              "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
              "422": {"$ref": "#/components/responses/UnprocessableContent"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/v1/sources/{id}": {
          "parameters": [{"$ref": "#/components/parameters/Id"}],
          "get": {
            "operationId": "getSource",
            "summary": "One source",
            "tags": ["Sources"],
            "security": [{}, {"bearerAuth": []}],
            "responses": {
              "200": {
                "description": "The source.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Source"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "404": {"$ref": "#/components/responses/NotFound"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/v1/strikes": {
          "get": {
            "operationId": "listStrikes",
            "summary": "List strikes, newest first",
            "tags": ["Strikes"],
            "security": [{}, {"bearerAuth": []}],
            "parameters": [
              {"$ref": "#/components/parameters/City"},
              {
                "name": "date",
                "in": "query",
                "schema": {"type": "string", "format": "date"},
                "description": "A local date: same as `from=D&to=D`.",
                "allowEmptyValue": true
              },
              {
                "name": "from",
                "in": "query",
                "schema": {"type": "string", "pattern": "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-9]))([Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"},
                "description": "A local date `YYYY-MM-DD` (inclusive, in the city's time zone) or an RFC 3339 instant.",
                "allowEmptyValue": true
              },
              {
                "name": "to",
                "in": "query",
                "schema": {"type": "string", "pattern": "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-9]))([Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"},
                "description": "A local date `YYYY-MM-DD` (inclusive, in the city's time zone) or an RFC 3339 instant.",
                "allowEmptyValue": true
              },
              {"$ref": "#/components/parameters/Limit"},
              {"$ref": "#/components/parameters/After"}
            ],
            "responses": {
              "200": {
                "description": "A page of strikes, newest `occurred_at` first; merged strikes are left out.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StrikePage"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "422": {"$ref": "#/components/responses/UnprocessableContent"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          },
          "post": {
            "operationId": "createStrike",
            "summary": "Add a strike (reporter)",
            "tags": ["Strikes"],
            "security": [{"bearerAuth": []}],
            "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
            "requestBody": {
              "required": true,
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewStrike"}}}
            },
            "responses": {
              "201": {
                "description": "Created.",
                "headers": {"Location": {"$ref": "#/components/headers/Location"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Strike"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "409": {"$ref": "#/components/responses/Conflict"},
              "413": {"$ref": "#/components/responses/ContentTooLarge"},
              "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
              "422": {"$ref": "#/components/responses/UnprocessableContent"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/v1/strikes/{id}": {
          "parameters": [{"$ref": "#/components/parameters/Id"}],
          "get": {
            "operationId": "getStrike",
            "summary": "One strike",
            "tags": ["Strikes"],
            "security": [{}, {"bearerAuth": []}],
            "parameters": [{"$ref": "#/components/parameters/IfNoneMatch"}],
            "responses": {
              "200": {
                "description": "The strike. A merged strike stays readable, with `merged_into` set and a toll of nulls.",
                "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Strike"}}}
              },
              "304": {"$ref": "#/components/responses/NotModified"},
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "404": {"$ref": "#/components/responses/NotFound"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          },
          "patch": {
            "operationId": "updateStrike",
            "summary": "Edit a strike's descriptive fields (editor)",
            "tags": ["Strikes"],
            "description": "409 when the strike has been merged into another.",
            "security": [{"bearerAuth": []}],
            "parameters": [{"$ref": "#/components/parameters/IfMatch"}],
            "requestBody": {
              "required": true,
              "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/StrikePatch"}},
                "application/merge-patch+json": {"schema": {"$ref": "#/components/schemas/StrikePatch"}}
              }
            },
            "responses": {
              "200": {
                "description": "The strike, `version` bumped.",
                "headers": {
                  "ETag": {"description": "Entity tag of the strike or answer.", "schema": {"type": "string"}}
                },
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Strike"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "404": {"$ref": "#/components/responses/NotFound"},
              "409": {"$ref": "#/components/responses/Conflict"},
              "412": {"$ref": "#/components/responses/PreconditionFailed"},
              "413": {"$ref": "#/components/responses/ContentTooLarge"},
              "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
              "422": {"$ref": "#/components/responses/UnprocessableContent"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/v1/strikes/{id}/merge": {
          "parameters": [{"$ref": "#/components/parameters/Id"}],
          "post": {
            "operationId": "mergeStrike",
            "summary": "Merge this strike into another (editor)",
            "tags": ["Strikes"],
            "description": "A merge is a pointer: no revision changes. 409 when merging a strike into itself (after following chains) or one already merged.",
            "security": [{"bearerAuth": []}],
            "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
            "requestBody": {
              "required": true,
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Merge"}}}
            },
            "responses": {
              "200": {
                "description": "The strike merged into.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Strike"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "404": {"$ref": "#/components/responses/NotFound"},
              "409": {"$ref": "#/components/responses/Conflict"},
              "413": {"$ref": "#/components/responses/ContentTooLarge"},
              "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
              "422": {"$ref": "#/components/responses/UnprocessableContent"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/v1/strikes/{id}/revisions": {
          "parameters": [{"$ref": "#/components/parameters/Id"}],
          "get": {
            "operationId": "listRevisions",
            "summary": "A strike's casualty history",
            "tags": ["Revisions"],
            "security": [{}, {"bearerAuth": []}],
            "parameters": [{"$ref": "#/components/parameters/Limit"}, {"$ref": "#/components/parameters/After"}],
            "responses": {
              "200": {
                "description": "Revisions in `seq` order, voided ones included, with those of strikes merged into this one.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RevisionPage"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "404": {"$ref": "#/components/responses/NotFound"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          },
          "post": {
            "operationId": "createRevision",
            "summary": "Record a source's figures for a strike (reporter)",
            "tags": ["Revisions"],
            "description": "On a merged strike the revision goes to the strike it was merged into, following chains.",
            "security": [{"bearerAuth": []}],
            "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
            "requestBody": {
              "required": true,
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewRevision"}}}
            },
            "responses": {
              "201": {
                "description": "The revision and the strike's toll after it.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RevisionWithToll"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "404": {"$ref": "#/components/responses/NotFound"},
              "409": {"$ref": "#/components/responses/Conflict"},
              "413": {"$ref": "#/components/responses/ContentTooLarge"},
              "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
              "422": {"$ref": "#/components/responses/UnprocessableContent"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/v1/revisions/{seq}/void": {
          "parameters": [{"$ref": "#/components/parameters/Seq"}],
          "post": {
            "operationId": "voidRevision",
            "summary": "Void a revision (editor)",
            "tags": ["Revisions"],
            "description": "409 when the revision is already voided.",
            "security": [{"bearerAuth": []}],
            "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
            "requestBody": {
              "required": true,
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Void"}}}
            },
            "responses": {
              "200": {
                "description": "The voided revision and the strike's toll after it.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RevisionWithToll"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "404": {"$ref": "#/components/responses/NotFound"},
              "409": {"$ref": "#/components/responses/Conflict"},
              "413": {"$ref": "#/components/responses/ContentTooLarge"},
              "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
              "422": {"$ref": "#/components/responses/UnprocessableContent"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/v1/reports": {
          "post": {
            "operationId": "createReport",
            "summary": "Ingest one source's statement about a strike (reporter)",
            "tags": ["Reports"],
            "security": [{"bearerAuth": []}],
            "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
            "requestBody": {
              "required": true,
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}}
            },
            "responses": {
              "201": {
                "description": "The strike matched or created, the revision appended (or null), and whether it matched.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReportResult"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "409": {"$ref": "#/components/responses/Conflict"},
              "413": {"$ref": "#/components/responses/ContentTooLarge"},
              "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
              "422": {"$ref": "#/components/responses/UnprocessableContent"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/v1/casualties": {
          "get": {
            "operationId": "getCasualties",
            "summary": "Casualties by city and date",
            "tags": ["Casualties"],
            "security": [{}, {"bearerAuth": []}],
            "parameters": [
              {"$ref": "#/components/parameters/City"},
              {
                "name": "date",
                "in": "query",
                "schema": {"type": "string", "format": "date"},
                "description": "Same as `from=D&to=D`.",
                "allowEmptyValue": true
              },
              {
                "name": "from",
                "in": "query",
                "schema": {"type": "string", "pattern": "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-9]))([Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"},
                "description": "A local date `YYYY-MM-DD` (inclusive, in the city's time zone) or an RFC 3339 instant. Missing: open on that side.",
                "allowEmptyValue": true
              },
              {
                "name": "to",
                "in": "query",
                "schema": {"type": "string", "pattern": "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-9]))([Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"},
                "description": "A local date `YYYY-MM-DD` (inclusive, in the city's time zone) or an RFC 3339 instant. Missing: open on that side.",
                "allowEmptyValue": true
              },
              {
                "name": "as_of",
                "in": "query",
                "schema": {"type": "string", "format": "date-time"},
                "description": "The answer as it was known at this instant.",
                "allowEmptyValue": true
              },
              {
                "name": "group_by",
                "in": "query",
                "schema": {"type": "string", "enum": ["day"]},
                "description": "`day` adds `days`; it needs both bounds and at most 366 days, else 400.",
                "allowEmptyValue": true
              },
              {"$ref": "#/components/parameters/IfNoneMatch"}
            ],
            "responses": {
              "200": {
                "description": "Strikes in the range, in `occurred_at` order, with their tolls and totals.",
                "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Casualties"}}}
              },
              "304": {"$ref": "#/components/responses/NotModified"},
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "422": {"$ref": "#/components/responses/UnprocessableContent"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/v1/changes": {
          "get": {
            "operationId": "listChanges",
            "summary": "The changes feed: revisions, voids and merges after `since`",
            "tags": ["Changes"],
            "description": "With `If-None-Match: \"<since>\"`, 304 while no matching event exists after `since`.",
            "security": [{}, {"bearerAuth": []}],
            "parameters": [
              {"$ref": "#/components/parameters/Since"},
              {"$ref": "#/components/parameters/City"},
              {"$ref": "#/components/parameters/StrikeIdFilter"},
              {
                "name": "limit",
                "in": "query",
                "description": "Page size.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
                "allowEmptyValue": true
              },
              {
                "name": "wait",
                "in": "query",
                "description": "Seconds to hold the request while no matching event exists after `since`.",
                "schema": {"type": "integer", "minimum": 0, "maximum": 60, "default": 0},
                "allowEmptyValue": true
              },
              {"$ref": "#/components/parameters/IfNoneMatch"}
            ],
            "responses": {
              "200": {
                "description": "Events with `seq > since`, ascending. `ETag` is `\"<next_since>\"`.",
                "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChangesPage"}}}
              },
              "304": {"$ref": "#/components/responses/NotModified"},
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "422": {"$ref": "#/components/responses/UnprocessableContent"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        },
        "/v1/changes/stream": {
          "get": {
            "operationId": "streamChanges",
            "summary": "The changes feed as server-sent events",
            "tags": ["Changes"],
            "security": [{}, {"bearerAuth": []}],
            "parameters": [
              {"$ref": "#/components/parameters/Since"},
              {"$ref": "#/components/parameters/City"},
              {"$ref": "#/components/parameters/StrikeIdFilter"},
              {"$ref": "#/components/parameters/LastEventID"}
            ],
            "responses": {
              "200": {
                "description": "`id: <seq>`, `event: <type>`, `data: <ChangeItem JSON>`; a comment line every 15 s.",
                "content": {"text/event-stream": {"schema": {"type": "string"}}}
              },
              "400": {"$ref": "#/components/responses/BadRequest"},
              "401": {"$ref": "#/components/responses/Unauthorized"},
              "403": {"$ref": "#/components/responses/Forbidden"},
              "422": {"$ref": "#/components/responses/UnprocessableContent"},
              "429": {"$ref": "#/components/responses/TooManyRequests"},
              "503": {"$ref": "#/components/responses/ServiceUnavailable"}
            }
          }
        }
      },
      "components": {
        "securitySchemes": {
          "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key made with `strikeledger keys create`."
          }
        },
        "schemas": {
          "Problem": {
            "description": "An RFC 9457 problem, sent as `application/problem+json` with every 4xx and 5xx answer.",
            "type": "object",
            "properties": {
              "type": {"type": "string", "description": "`about:blank` unless stated otherwise."},
              "title": {"type": "string"},
              "status": {"type": "integer", "minimum": 100, "maximum": 599},
              "detail": {"type": "string"},
              "errors": {
                "type": "array",
                "description": "With 400 and 422: one entry per offending field or query parameter.",
                "items": {
                  "type": "object",
                  "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "suggestions": {
                      "type": "array",
                      "items": {"type": "string"},
                      "description": "For an unknown city: up to 5 closest known names, best first."
                    }
                  },
                  "required": ["field", "message"]
                }
              }
            },
            "required": ["type", "title", "status"]
          },
          "Health": {
            "type": "object",
            "properties": {"status": {"type": "string", "enum": ["ok"]}},
            "required": ["status"]
          },
          "City": {
            "type": "object",
            "properties": {
              "id": {"type": "integer", "format": "int64", "minimum": 1},
              "name": {"type": "string"},
              "country": {"type": "string", "description": "ISO 3166-1 alpha-2 code."},
              "region": {"type": ["string", "null"]},
              "timezone": {"type": "string", "description": "IANA time zone name; local dates are dated in it."},
              "latitude": {"type": "number"},
              "longitude": {"type": "number"},
              "aliases": {"type": "array", "items": {"type": "string"}}
            },
            "required": ["id", "name", "country", "region", "timezone", "latitude", "longitude", "aliases"]
          },
          "CityRef": {
            "type": "object",
            "properties": {"id": {"type": "integer", "format": "int64", "minimum": 1}, "name": {"type": "string"}},
            "required": ["id", "name"]
          },
          "NullableCityRef": {
            "description": "A city reference, or null.",
            "type": ["object", "null"],
            "properties": {"id": {"type": "integer", "format": "int64", "minimum": 1}, "name": {"type": "string"}},
            "required": ["id", "name"]
          },
          "CityPage": {
            "description": "One page of cities.",
            "type": "object",
            "properties": {
              "items": {"type": "array", "items": {"$ref": "#/components/schemas/City"}},
              "next": {
                "type": ["string", "null"],
                "description": "Opaque cursor: pass it as `after` for the next page; null on the last page."
              }
            },
            "required": ["items", "next"]
          },
          "SourceKind": {
            "type": "string",
            "enum": ["official", "military", "emergency_service", "media", "social", "ngo", "other"]
          },
          "Reliability": {
            "type": ["string", "null"],
            "enum": ["A", "B", "C", "D", "E", "F", null],
            "description": "Admiralty grade A..F, or null when not graded."
          },
          "Source": {
            "type": "object",
            "properties": {
              "id": {"type": "integer", "format": "int64", "minimum": 1},
              "name": {"type": "string"},
              "kind": {"$ref": "#/components/schemas/SourceKind"},
              "url": {"type": ["string", "null"]},
              "reliability": {"$ref": "#/components/schemas/Reliability"},
              "created_at": {"type": "string", "format": "date-time"}
            },
            "required": ["id", "name", "kind", "url", "reliability", "created_at"]
          },
          "SourceRef": {
            "type": "object",
            "properties": {
              "id": {"type": "integer", "format": "int64", "minimum": 1},
              "name": {"type": "string"},
              "kind": {"$ref": "#/components/schemas/SourceKind"}
            },
            "required": ["id", "name", "kind"]
          },
          "SourcePage": {
            "description": "One page of sources.",
            "type": "object",
            "properties": {
              "items": {"type": "array", "items": {"$ref": "#/components/schemas/Source"}},
              "next": {
                "type": ["string", "null"],
                "description": "Opaque cursor: pass it as `after` for the next page; null on the last page."
              }
            },
            "required": ["items", "next"]
          },
          "WeaponKind": {
            "type": "string",
            "enum": ["drone", "missile", "guided_bomb", "rocket", "artillery", "other"]
          },
          "TimePrecision": {"type": "string", "enum": ["minute", "hour", "day"]},
          "Weapon": {
            "type": "object",
            "properties": {
              "kind": {"$ref": "#/components/schemas/WeaponKind"},
              "model": {"type": ["string", "null"]},
              "count": {"type": ["integer", "null"], "minimum": 1}
            },
            "required": ["kind", "model", "count"]
          },
          "Location": {
            "type": "object",
            "properties": {
              "latitude": {"type": "number", "minimum": -90, "maximum": 90},
              "longitude": {"type": "number", "minimum": -180, "maximum": 180}
            },
            "required": ["latitude", "longitude"],
            "additionalProperties": false
          },
          "NullableLocation": {
            "description": "A point, or null when unknown.",
            "type": ["object", "null"],
            "properties": {
              "latitude": {"type": "number", "minimum": -90, "maximum": 90},
              "longitude": {"type": "number", "minimum": -180, "maximum": 180}
            },
            "required": ["latitude", "longitude"],
            "additionalProperties": false
          },
          "LocationPatch": {
            "description": "A JSON merge patch (RFC 7396) of the strike's location: members given replace the current ones, members left out keep theirs, null clears the location. A strike with no location yet needs both members.",
            "type": ["object", "null"],
            "properties": {
              "latitude": {"type": "number", "minimum": -90, "maximum": 90},
              "longitude": {"type": "number", "minimum": -180, "maximum": 180}
            },
            "additionalProperties": false
          },
          "Toll": {
            "description": "The current toll, derived from the history: `killed` is the `killed` of the non-voided revision with the latest `reported_at` (ties: the higher `seq`) among those that state it; `injured` likewise, on its own. Null when no revision states it.",
            "type": "object",
            "properties": {
              "killed": {"type": ["integer", "null"], "minimum": 0},
              "injured": {"type": ["integer", "null"], "minimum": 0},
              "as_of": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "The latest `reported_at` among the revisions used."
              },
              "revisions": {"type": "integer", "minimum": 0, "description": "Number of non-voided revisions."}
            },
            "required": ["killed", "injured", "as_of", "revisions"]
          },
          "Strike": {
            "type": "object",
            "properties": {
              "id": {"type": "integer", "format": "int64", "minimum": 1},
              "city": {"$ref": "#/components/schemas/CityRef"},
              "occurred_at": {"type": "string", "format": "date-time"},
              "time_precision": {"$ref": "#/components/schemas/TimePrecision"},
              "local_date": {
                "type": "string",
                "format": "date",
                "description": "The date of `occurred_at` in the city's time zone."
              },
              "location": {"$ref": "#/components/schemas/NullableLocation"},
              "weapons": {"type": "array", "items": {"$ref": "#/components/schemas/Weapon"}},
              "description": {"type": ["string", "null"]},
              "damage": {"type": ["string", "null"]},
              "toll": {"$ref": "#/components/schemas/Toll"},
              "merged_into": {
                "type": ["integer", "null"],
                "format": "int64",
                "minimum": 1,
                "description": "The strike this one was merged into, or null."
              },
              "version": {"type": "integer", "minimum": 1},
              "created_at": {"type": "string", "format": "date-time"},
              "updated_at": {"type": "string", "format": "date-time"}
            },
            "required": [
              "id",
              "city",
              "occurred_at",
              "time_precision",
              "local_date",
              "location",
              "weapons",
              "description",
              "damage",
              "toll",
              "merged_into",
              "version",
              "created_at",
              "updated_at"
            ]
          },
          "StrikePage": {
            "description": "One page of strikes, newest `occurred_at` first.",
            "type": "object",
            "properties": {
              "items": {"type": "array", "items": {"$ref": "#/components/schemas/Strike"}},
              "next": {
                "type": ["string", "null"],
                "description": "Opaque cursor: pass it as `after` for the next page; null on the last page."
              }
            },
            "required": ["items", "next"]
          },
          "Voided": {
            "description": "How the revision was voided, or null while it counts.",
            "type": ["object", "null"],
            "properties": {"at": {"type": "string", "format": "date-time"}, "reason": {"type": "string"}},
            "required": ["at", "reason"]
          },
          "Revision": {
            "description": "One source's statement of figures at one time.",
            "type": "object",
            "properties": {
              "seq": {
                "type": "integer",
                "format": "int64",
                "minimum": 1,
                "description": "The `seq` of the change event that recorded this revision."
              },
              "strike_id": {
                "type": "integer",
                "format": "int64",
                "minimum": 1,
                "description": "The strike it was recorded on (kept after a merge)."
              },
              "killed": {"type": ["integer", "null"], "minimum": 0, "description": "Null: not stated."},
              "injured": {"type": ["integer", "null"], "minimum": 0, "description": "Null: not stated."},
              "reported_at": {"type": "string", "format": "date-time", "description": "When the source stated it."},
              "recorded_at": {"type": "string", "format": "date-time", "description": "When the server stored it."},
              "source": {"$ref": "#/components/schemas/SourceRef"},
              "note": {"type": ["string", "null"]},
              "voided": {"$ref": "#/components/schemas/Voided"}
            },
            "required": [
              "seq",
              "strike_id",
              "killed",
              "injured",
              "reported_at",
              "recorded_at",
              "source",
              "note",
              "voided"
            ]
          },
          "NullableRevision": {
            "description": "A revision, or null.",
            "type": ["object", "null"],
            "properties": {
              "seq": {
                "type": "integer",
                "format": "int64",
                "minimum": 1,
                "description": "The `seq` of the change event that recorded this revision."
              },
              "strike_id": {
                "type": "integer",
                "format": "int64",
                "minimum": 1,
                "description": "The strike it was recorded on (kept after a merge)."
              },
              "killed": {"type": ["integer", "null"], "minimum": 0, "description": "Null: not stated."},
              "injured": {"type": ["integer", "null"], "minimum": 0, "description": "Null: not stated."},
              "reported_at": {"type": "string", "format": "date-time", "description": "When the source stated it."},
              "recorded_at": {"type": "string", "format": "date-time", "description": "When the server stored it."},
              "source": {"$ref": "#/components/schemas/SourceRef"},
              "note": {"type": ["string", "null"]},
              "voided": {"$ref": "#/components/schemas/Voided"}
            },
            "required": [
              "seq",
              "strike_id",
              "killed",
              "injured",
              "reported_at",
              "recorded_at",
              "source",
              "note",
              "voided"
            ]
          },
          "RevisionPage": {
            "description": "One page of revisions, in `seq` order, voided ones included.",
            "type": "object",
            "properties": {
              "items": {"type": "array", "items": {"$ref": "#/components/schemas/Revision"}},
              "next": {
                "type": ["string", "null"],
                "description": "Opaque cursor: pass it as `after` for the next page; null on the last page."
              }
            },
            "required": ["items", "next"]
          },
          "RevisionWithToll": {
            "type": "object",
            "properties": {
              "revision": {"$ref": "#/components/schemas/Revision"},
              "toll": {"$ref": "#/components/schemas/Toll"}
            },
            "required": ["revision", "toll"]
          },
          "ReportResult": {
            "type": "object",
            "properties": {
              "strike": {"$ref": "#/components/schemas/Strike"},
              "revision": {
                "$ref": "#/components/schemas/NullableRevision",
                "description": "The revision the report appended, or null when it stated no figure."
              },
              "matched": {"type": "boolean", "description": "True when the report matched an existing strike."}
            },
            "required": ["strike", "revision", "matched"]
          },
          "CasualtyStrike": {
            "type": "object",
            "properties": {
              "id": {"type": "integer", "format": "int64", "minimum": 1},
              "occurred_at": {"type": "string", "format": "date-time"},
              "local_date": {"type": "string", "format": "date"},
              "city": {"$ref": "#/components/schemas/CityRef"},
              "toll": {"$ref": "#/components/schemas/Toll"}
            },
            "required": ["id", "occurred_at", "local_date", "city", "toll"]
          },
          "CasualtyTotals": {
            "type": "object",
            "properties": {
              "strikes": {"type": "integer", "minimum": 0},
              "killed": {"type": "integer", "minimum": 0},
              "injured": {"type": "integer", "minimum": 0}
            },
            "required": ["strikes", "killed", "injured"]
          },
          "CasualtyDay": {
            "type": "object",
            "properties": {
              "date": {"type": "string", "format": "date"},
              "strikes": {"type": "integer", "minimum": 0},
              "killed": {"type": "integer", "minimum": 0},
              "injured": {"type": "integer", "minimum": 0}
            },
            "required": ["date", "strikes", "killed", "injured"]
          },
          "Casualties": {
            "type": "object",
            "properties": {
              "city": {
                "$ref": "#/components/schemas/NullableCityRef",
                "description": "Null when no `city` was given (every city)."
              },
              "from": {
                "type": ["string", "null"],
                "format": "date",
                "description": "First local date of the range; null when open."
              },
              "to": {
                "type": ["string", "null"],
                "format": "date",
                "description": "Last local date of the range; null when open."
              },
              "as_of": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "Echo of the `as_of` query parameter, or null."
              },
              "totals": {"$ref": "#/components/schemas/CasualtyTotals"},
              "strikes": {"type": "array", "items": {"$ref": "#/components/schemas/CasualtyStrike"}},
              "days": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/CasualtyDay"},
                "description": "Only with `group_by=day`: every date from `from` to `to`, zeros included."
              }
            },
            "required": ["city", "from", "to", "as_of", "totals", "strikes"]
          },
          "ChangeType": {"type": "string", "enum": ["revision", "void", "merge"]},
          "ChangeItem": {
            "type": "object",
            "properties": {
              "seq": {"type": "integer", "format": "int64", "minimum": 1},
              "type": {"$ref": "#/components/schemas/ChangeType"},
              "strike_id": {
                "type": "integer",
                "format": "int64",
                "minimum": 1,
                "description": "For a `merge`, the strike merged into."
              },
              "merged_strike_id": {
                "type": ["integer", "null"],
                "format": "int64",
                "minimum": 1,
                "description": "For a `merge`, the strike merged; else null."
              },
              "city": {"$ref": "#/components/schemas/CityRef"},
              "revision": {
                "$ref": "#/components/schemas/NullableRevision",
                "description": "The revision recorded (`revision`) or voided (`void`, with `voided` filled); null for a `merge`."
              },
              "toll": {
                "$ref": "#/components/schemas/Toll",
                "description": "The strike's toll right after this event."
              }
            },
            "required": ["seq", "type", "strike_id", "merged_strike_id", "city", "revision", "toll"]
          },
          "ChangesPage": {
            "type": "object",
            "properties": {
              "items": {"type": "array", "items": {"$ref": "#/components/schemas/ChangeItem"}},
              "next_since": {
                "type": "integer",
                "format": "int64",
                "minimum": 0,
                "description": "The last item's `seq`; with no items, the feed's current head."
              }
            },
            "required": ["items", "next_since"]
          },
          "NewSource": {
            "type": "object",
            "properties": {
              "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"},
              "kind": {"$ref": "#/components/schemas/SourceKind"},
              "url": {"type": ["string", "null"], "minLength": 1, "maxLength": 2000, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"},
              "reliability": {"$ref": "#/components/schemas/Reliability"}
            },
            "required": ["name", "kind"],
            "additionalProperties": false
          },
          "NewCity": {
            "type": "object",
            "properties": {
              "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"},
              "country": {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2 code."},
              "timezone": {
                "type": "string",
                "minLength": 1,
                "examples": ["Europe/Kyiv"],
                "description": "IANA time zone name, e.g. `Europe/Kyiv`."
              },
              "latitude": {"type": "number", "minimum": -90, "maximum": 90},
              "longitude": {"type": "number", "minimum": -180, "maximum": 180},
              "region": {"type": ["string", "null"], "minLength": 1, "maxLength": 200, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"},
              "aliases": {"type": "array", "maxItems": 100, "items": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"}}
            },
            "required": ["name", "country", "timezone", "latitude", "longitude"],
            "additionalProperties": false
          },
          "NewAlias": {
            "type": "object",
            "properties": {"alias": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"}},
            "required": ["alias"],
            "additionalProperties": false
          },
          "CityName": {
            "type": ["string", "integer"],
            "minimum": 1,
            "maximum": 9223372036854775807,
            "examples": ["Kyiv", "Kharkiv", "Odesa"],
            "minLength": 1,
            "maxLength": 200,
            "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]",
            "description": "A city's name or any alias (ignoring case, diacritics and apostrophe variants), or its numeric id (as a string or an integer)."
          },
          "NewWeapon": {
            "type": "object",
            "properties": {
              "kind": {"$ref": "#/components/schemas/WeaponKind"},
              "model": {"type": ["string", "null"], "minLength": 1, "maxLength": 200, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"},
              "count": {"type": ["integer", "null"], "minimum": 1, "maximum": 100000}
            },
            "required": ["kind"],
            "additionalProperties": false
          },
          "NewStrike": {
            "type": "object",
            "properties": {
              "city": {"$ref": "#/components/schemas/CityName"},
              "occurred_at": {"type": "string", "format": "date-time"},
              "time_precision": {"$ref": "#/components/schemas/TimePrecision", "description": "Default `minute`."},
              "location": {"$ref": "#/components/schemas/LocationPatch"},
              "weapons": {"type": "array", "maxItems": 50, "items": {"$ref": "#/components/schemas/NewWeapon"}},
              "description": {"type": ["string", "null"], "minLength": 1, "maxLength": 10000, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"},
              "damage": {"type": ["string", "null"], "minLength": 1, "maxLength": 10000, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"}
            },
            "required": ["city", "occurred_at"],
            "additionalProperties": false
          },
          "StrikePatch": {
            "description": "A JSON merge patch (RFC 7396) of a strike's descriptive fields. Casualty figures are never editable: they change only by new revisions and voids.",
            "type": "object",
            "properties": {
              "occurred_at": {"type": "string", "format": "date-time"},
              "time_precision": {"$ref": "#/components/schemas/TimePrecision"},
              "location": {"$ref": "#/components/schemas/LocationPatch"},
              "weapons": {"type": "array", "maxItems": 50, "items": {"$ref": "#/components/schemas/NewWeapon"}},
              "description": {"type": ["string", "null"], "minLength": 1, "maxLength": 10000, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"},
              "damage": {"type": ["string", "null"], "minLength": 1, "maxLength": 10000, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"}
            },
            "additionalProperties": false
          },
          "Merge": {
            "type": "object",
            "properties": {
              "into": {
                "type": "integer",
                "format": "int64",
                "minimum": 1,
                "description": "The strike that absorbs this one."
              }
            },
            "required": ["into"],
            "additionalProperties": false
          },
          "NewRevision": {
            "description": "One source's statement of figures. Exactly one of `source_id` and `source` (an inline source, found or created by kind, name and url) is required, and at least one of `killed` and `injured` must be given (null means not stated); otherwise 422.",
            "type": "object",
            "properties": {
              "killed": {"type": ["integer", "null"], "minimum": 0, "maximum": 100000},
              "injured": {"type": ["integer", "null"], "minimum": 0, "maximum": 100000},
              "reported_at": {
                "type": "string",
                "format": "date-time",
                "description": "When the source stated it; default now; at most 5 minutes ahead."
              },
              "note": {"type": ["string", "null"], "minLength": 1, "maxLength": 2000, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"},
              "source_id": {"type": "integer", "format": "int64", "minimum": 1},
              "source": {"$ref": "#/components/schemas/NewSource"}
            },
            "additionalProperties": false
          },
          "Void": {
            "type": "object",
            "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"}},
            "required": ["reason"],
            "additionalProperties": false
          },
          "Report": {
            "description": "One source's statement about a strike, known or not. Required: `source` or `source_id`; `city` and `occurred_at` unless `strike_id` names the strike (a `city` that disagrees with that strike's is 422). Without `strike_id` the report matches the nearest non-merged strike in the same city within the matching window of `occurred_at`, else creates one. With `killed` or `injured` it appends a revision; strike fields the matched strike lacks are filled in, fields it has are left alone.",
            "type": "object",
            "properties": {
              "city": {"$ref": "#/components/schemas/CityName"},
              "occurred_at": {"type": "string", "format": "date-time", "description": "At most 5 minutes ahead."},
              "strike_id": {
                "type": "integer",
                "format": "int64",
                "minimum": 1,
                "description": "Names the strike outright (a merged strike's writes go to the strike it was merged into)."
              },
              "source": {"$ref": "#/components/schemas/NewSource"},
              "source_id": {"type": "integer", "format": "int64", "minimum": 1},
              "killed": {"type": ["integer", "null"], "minimum": 0, "maximum": 100000},
              "injured": {"type": ["integer", "null"], "minimum": 0, "maximum": 100000},
              "reported_at": {
                "type": "string",
                "format": "date-time",
                "description": "When the source stated it; default now; at most 5 minutes ahead."
              },
              "weapons": {"type": "array", "maxItems": 50, "items": {"$ref": "#/components/schemas/NewWeapon"}},
              "description": {"type": ["string", "null"], "minLength": 1, "maxLength": 10000, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"},
              "damage": {"type": ["string", "null"], "minLength": 1, "maxLength": 10000, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"},
              "location": {"$ref": "#/components/schemas/NullableLocation"},
              "note": {"type": ["string", "null"], "minLength": 1, "maxLength": 2000, "pattern": "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"},
              "time_precision": {"$ref": "#/components/schemas/TimePrecision"}
            },
            "additionalProperties": false
          }
        },
        "parameters": {
          "Id": {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {"type": "integer", "format": "int64", "minimum": 1}
          },
          "Seq": {
            "name": "seq",
            "in": "path",
            "required": true,
            "schema": {"type": "integer", "format": "int64", "minimum": 1},
            "description": "The revision's `seq`."
          },
          "Limit": {
            "name": "limit",
            "in": "query",
            "description": "Page size.",
            "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
            "allowEmptyValue": true
          },
          "After": {
            "name": "after",
            "in": "query",
            "schema": {"type": "string"},
            "description": "The `next` cursor of the previous page; it keeps the filters it was made with.",
            "allowEmptyValue": true
          },
          "City": {
            "name": "city",
            "in": "query",
            "schema": {"type": "string"},
            "description": "A city's name or alias (ignoring case, diacritics and apostrophe variants) or numeric id. Unknown: 422 with suggestions.",
            "allowEmptyValue": true
          },
          "Since": {
            "name": "since",
            "in": "query",
            "description": "Only events with `seq` greater than this.",
            "schema": {"type": "integer", "format": "int64", "minimum": 0, "default": 0},
            "allowEmptyValue": true
          },
          "StrikeIdFilter": {
            "name": "strike_id",
            "in": "query",
            "schema": {"type": "integer", "format": "int64", "minimum": 1},
            "description": "Only events of this strike (for a merge: either strike).",
            "allowEmptyValue": true
          },
          "IdempotencyKey": {
            "name": "Idempotency-Key",
            "in": "header",
            "description": "A repeat with the same key, API key, path and body within 24 hours returns the first answer again and writes nothing; the same key with another path or body is 409.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"}
          },
          "IfNoneMatch": {
            "name": "If-None-Match",
            "in": "header",
            "schema": {"type": "string"},
            "description": "An entity tag from an earlier answer: 304 while unchanged."
          },
          "IfMatch": {
            "name": "If-Match",
            "in": "header",
            "schema": {"type": "string"},
            "description": "The strike's current entity tag (`\"v3\"`): 412 when stale."
          },
          "LastEventID": {
            "name": "Last-Event-ID",
            "in": "header",
            "schema": {"type": "string"},
            "description": "The `seq` of the last event received; the stream resumes after it."
          }
        },
        "headers": {
          "ETag": {"description": "Entity tag of the answer.", "required": true, "schema": {"type": "string"}},
          "Location": {
            "description": "Path of the created resource.",
            "required": true,
            "schema": {"type": "string"}
          },
          "RetryAfter": {
            "description": "Seconds to wait before retrying.",
            "schema": {"type": "integer", "minimum": 0}
          },
          "RetryAfterRequired": {
            "description": "Seconds to wait before retrying.",
            "required": true,
            "schema": {"type": "integer", "minimum": 0}
          },
          "WWWAuthenticate": {"description": "`Bearer`.", "required": true, "schema": {"type": "string"}},
          "Allow": {
            "description": "The methods the path supports.",
            "required": true,
            "schema": {"type": "string"}
          }
        },
        "responses": {
          "BadRequest": {
            "description": "Malformed request: bad JSON syntax, a malformed or unknown query parameter, malformed HTTP.",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
          },
          "Unauthorized": {
            "description": "No key, or an unknown or revoked key.",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            "headers": {"WWW-Authenticate": {"$ref": "#/components/headers/WWWAuthenticate"}}
          },
          "Forbidden": {
            "description": "The key's role is too low.",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
          },
          "NotFound": {
            "description": "Unknown resource or route.",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
          },
          "MethodNotAllowed": {
            "description": "Known path, wrong method.",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            "headers": {"Allow": {"$ref": "#/components/headers/Allow"}}
          },
          "Conflict": {
            "description": "Conflict: an idempotency key reused with another path or body, or still being answered; or a state conflict named by the operation.",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
          },
          "PreconditionFailed": {
            "description": "`If-Match` does not match the current version.",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
          },
          "ContentTooLarge": {
            "description": "Body over the limit.",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
          },
          "UnsupportedMediaType": {
            "description": "Body that is not JSON.",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
          },
          "UnprocessableContent": {
            "description": "Well-formed JSON or query that breaks a rule; `errors` names each field.",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
          },
          "TooManyRequests": {
            "description": "Rate limit hit.",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfterRequired"}}
          },
          "ServiceUnavailable": {
            "description": "Overloaded, shutting down, or the database does not answer.",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
          },
          "NotModified": {
            "description": "Unchanged since the `If-None-Match` entity tag.",
            "headers": {
              "ETag": {"description": "Entity tag of the strike or answer.", "schema": {"type": "string"}}
            }
          }
        }
      }
    }
    """#
}
