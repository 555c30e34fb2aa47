//! `dlq delete`.

use crate::bulk::Action;
use clap::Args;

use crate::cli::BulkArgs;
use crate::ctx::Ctx;

pub async fn run(ctx: &Ctx, a: DeleteArgs) -> anyhow::Result<()> {
    let spec = super::bulk::Spec {
        verb: crate::bulk::Verb::Delete,
        action: |_| Action::Delete,
        workflow_only: false,
        headers: Vec::new(),
        max_failures: None,
        new_run_id: None,
        wait: None,
        canary: None,
    };
    super::bulk::run(ctx, a.bulk, spec).await
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub bulk: BulkArgs,
    #[command(flatten)]
    pub client: crate::cli::ClientArgs,
}
