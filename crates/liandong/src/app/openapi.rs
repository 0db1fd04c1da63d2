//! The OpenAPI document at /api/openapi.json (snapshot-tested).

use axum::Json;
use utoipa::OpenApi;

use crate::access::api as access;
use crate::audit::api as audit;
use crate::divisions::api as divisions;
use crate::needs::api as needs;
use crate::orgs::api as orgs;

#[derive(OpenApi)]
#[openapi(
    modifiers(&Common),
    info(title = "Liandong 联动", description = "Coordination for community offices, social organisations and volunteers in a lockdown or disaster. Authenticate with POST /api/session (a session cookie); state-changing requests from browsers must be same-origin."),
    paths(
        access::sign_in, access::sign_out, access::me, access::change_password, access::list_accounts, access::create_account, access::account, access::edit_account, access::disable_account, access::enable_account, access::unlock_account, access::reset_password,
        divisions::search, divisions::resolve, divisions::detail, divisions::list_zones, divisions::mark_zone, divisions::lift_zone,
        orgs::list, orgs::create, orgs::detail, orgs::approve, orgs::reject, orgs::reveal, orgs::coalitions, orgs::admit, orgs::set_leads,
        needs::list, needs::create, needs::detail, needs::reveal,
        audit::list, audit::export,
    ),
    tags(
        (name = "access", description = "Sign-in, accounts and roles"),
        (name = "divisions", description = "Administrative divisions and zones"),
        (name = "orgs", description = "Organisations, onboarding and the coalition"),
        (name = "needs", description = "Help requests, with the community read from the address"),
        (name = "audit", description = "Who changed or revealed what"),
    )
)]
pub struct ApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// What every operation shares, added once rather than at each: the
/// session cookie as its security, the rejections any call can meet (401
/// without a session; 400, 415 and 422 for a body or query that cannot be
/// read), all with the project's `ErrorBody`; and operation ids made
/// unique by their tag (`needs_list`, `orgs_list`).
struct Common;

impl utoipa::Modify for Common {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
        use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "session",
                SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("liandong_session"))),
            );
        let error = |description: &str| -> RefOr<utoipa::openapi::Response> {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                )
                .build()
                .into()
        };
        for (path, item) in doc.paths.paths.iter_mut() {
            let ops = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
            ];
            for (method, op) in ops {
                let Some(op) = op.as_mut() else { continue };
                let tag = op
                    .tags
                    .as_ref()
                    .and_then(|t| t.first())
                    .cloned()
                    .unwrap_or_default();
                if let Some(id) = &op.operation_id {
                    op.operation_id = Some(format!("{tag}_{id}"));
                }
                let signing_in = path == "/api/session" && method == "post";
                let has_query = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let has_body = op.request_body.is_some();
                let r = &mut op.responses.responses;
                if signing_in {
                    op.security = Some(vec![SecurityRequirement::default()]);
                } else {
                    op.security = Some(vec![SecurityRequirement::new(
                        "session",
                        Vec::<String>::new(),
                    )]);
                    r.entry("401".into())
                        .or_insert_with(|| error("Not signed in"));
                }
                if has_body {
                    r.entry("400".into())
                        .or_insert_with(|| error("The body is not JSON"));
                    r.entry("413".into())
                        .or_insert_with(|| error("The body is over the size limit"));
                    r.entry("415".into())
                        .or_insert_with(|| error("The body is not application/json"));
                }
                if has_body || has_query {
                    r.entry("422".into())
                        .or_insert_with(|| error("A field is wrong; `fields` names it"));
                }
            }
        }
    }
}
