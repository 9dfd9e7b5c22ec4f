//! Step 5: publishing the round and reading the final ranking.

use super::*;

/// Closes the round, publishes it (timed), then measures the final board (whole, an
/// organisation's), "my place" and the results page, and exports the final ranking.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn publish_and_read(
    args: &Args,
    client: &reqwest::Client,
    base: &str,
    db_url: &str,
    ids: &Loaded,
    admin: &str,
    tokens: &Arc<Vec<String>>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let round = ids.round;
    psql(
        db_url,
        &format!("UPDATE rounds SET closes_at = now() - interval '1 hour' WHERE id = '{round}'"),
    )?;
    println!("publishing the round…");
    let started = Instant::now();
    let response = client
        .post(format!("{base}/api/v1/rounds/{round}/publish"))
        .bearer_auth(admin)
        .json(&json!({}))
        .timeout(Duration::from_secs(1800))
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let took = started.elapsed();
    if !status.is_success() {
        bail!("publishing failed: HTTP {status} {body}");
    }
    println!("  {:.1} s: {body}", took.as_secs_f64());
    report.notes.push(format!(
        "publishing the round (`POST /rounds/{{id}}/publish`: read, rank, write {} rows): {:.1} s",
        body["ranked"],
        took.as_secs_f64()
    ));
    let board_url = format!("{base}/api/v1/rounds/{round}/leaderboard");
    let started = Instant::now();
    let total = board_total(client, &board_url).await?;
    report.notes.push(format!(
        "first read of the final board after publishing (loads the {total}-line ranking into \
         the server's memory): {:.2} s",
        started.elapsed().as_secs_f64()
    ));
    let org = ids.orgs[0];
    let org_total = board_total(client, &format!("{board_url}?unit_id={org}")).await?;
    let page =
        |url: String, unit: Option<Uuid>, total: u64| random_page(client, url, vec![(unit, total)]);
    let me = as_a_member(client, format!("{board_url}/me"), tokens);
    let phases: Vec<(String, &str, MakeRequest)> = vec![
        (
            format!("final board page ({total} lines, random offset, 50 rows)"),
            "/api/v1/rounds/{id}/leaderboard",
            page(board_url.clone(), None, total),
        ),
        (
            format!("final organisation board page ({org_total} lines)"),
            "/api/v1/rounds/{id}/leaderboard",
            page(board_url.clone(), Some(org), org_total),
        ),
        (
            "final `my rank` (`/leaderboard/me`, JWT)".into(),
            "/api/v1/rounds/{id}/leaderboard/me",
            me,
        ),
        (
            "results page (`/rounds/{id}/results`, random offset)".into(),
            "/api/v1/rounds/{id}/results",
            page(format!("{base}/api/v1/rounds/{round}/results"), None, total),
        ),
    ];
    for (name, route, make) in phases {
        report
            .endpoints
            .push(measure_endpoint(client, base, args, &name, route, make).await?);
    }
    println!("exporting the published results as xlsx…");
    let mut e = export(client, base, round, admin, "xlsx").await?;
    println!(
        "  HTTP {} {:.1} MB in {:.1} s, rows {:?}",
        e.status,
        e.bytes as f64 / 1e6,
        e.total.as_secs_f64(),
        e.rows
    );
    e.format = "xlsx, published results";
    report.exports.push(e);
    Ok(())
}
