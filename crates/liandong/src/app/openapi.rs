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
