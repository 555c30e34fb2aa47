//! What `retry` and `delete` share, as the stages of a bulk run: select → guard → preview or
//! confirm → open the journal → execute → follow (`--wait`) → report → verdict. Each stage
//! lives in `bulk/`; this is the order they run in.

use crate::bulk::report::preview;
pub use crate::bulk::resolve::Spec;
use crate::bulk::runner::{Runner, print_json_empty, records_format};
use crate::bulk::{confirm, guard, opening, resolve::resolve};
use crate::cli::{BulkArgs, BulkFormat};
use crate::ctx::Ctx;

pub async fn run(ctx: &Ctx, b: BulkArgs, spec: Spec) -> anyhow::Result<()> {
    let plan = resolve(ctx, &b, &spec).await?;
    let plan = guard::check(plan, &spec)?;
    if guard::nothing_to_do(&plan, &spec) {
        return nothing_selected(ctx, &b, &spec);
    }
    if b.dry_run {
        return dry_run(ctx, &plan, &b, &spec).await;
    }
    confirm::confirm(ctx, &plan, &b, &spec)?;
    let journal = opening::open(&plan, &b, &ctx.target)?;
    let mut run = Runner::start(ctx, &b, &spec, plan, journal);
    run.execute().await;
    run.follow().await?;
    if run.matched_nothing() {
        return nothing_selected(ctx, &b, &spec);
    }
    run.report()?;
    run.verdict()
}

/// The dry run: exactly what the run would do, and the exit code it would give.
async fn dry_run(
    ctx: &Ctx,
    plan: &crate::bulk::resolve::Plan,
    b: &BulkArgs,
    spec: &Spec,
) -> anyhow::Result<()> {
    let v = crate::bulk::preview::gather(ctx, plan, spec).await?;
    preview(
        &mut std::io::stdout().lock(),
        &v,
        b.output.map(records_format),
        &ctx.style,
    )?;
    Ok(v.verdict()?)
}

/// Nothing was selected: `[]` for `-o json`, a line on stderr unless `--quiet`; exit 0.
fn nothing_selected(ctx: &Ctx, b: &BulkArgs, spec: &Spec) -> anyhow::Result<()> {
    if b.output == Some(BulkFormat::Json) {
        print_json_empty()?;
    }
    if !b.quiet {
        ctx.hint(&guard::nothing_selected(spec.verb));
    }
    Ok(())
}
