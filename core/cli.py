"""`python -m core`: the headless twin of the dashboard.

Each subcommand is a thin wrapper over the same `core` functions the pages call. Errors print
one plain line on stderr and exit non-zero; a traceback is shown only with PERSONALENS_DEBUG=1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict

from core import kinds, storage
from core.config import DEMO_ASSETS_DIR, DEMO_SEED, workspaces_home
from core.errors import PersonaLensError, user_message
from core.export import to_csv_text, write_csv

Handler = Callable[[argparse.Namespace], int]


def _print_json(payload: object) -> None:
    print(json.dumps(payload, indent=2, default=str))


def cmd_demo(args: argparse.Namespace) -> int:
    from core.demo import build_demo_workspace

    started = time.perf_counter()

    def report(fraction: float, message: str) -> None:
        if not args.quiet:
            print(f"[{fraction:4.0%}] {message}", file=sys.stderr)

    assets = DEMO_ASSETS_DIR if args.write_assets else None
    ws = build_demo_workspace(
        args.workspace, seed=args.seed, progress=report, assets_dir=assets, train_models=not args.skip_models
    )
    seconds = time.perf_counter() - started
    counts = ws.row_counts()
    if args.json:
        _print_json({"workspace": str(ws.path), "seconds": round(seconds, 2), "tables": counts})
    else:
        print(
            f"demo workspace ready at {ws.path} in {seconds:.1f} s: "
            + ", ".join(f"{n:,} {t}" for t, n in counts.items())
        )
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from core.overview import summarize
    from core.workspace import open_workspace

    summary = summarize(open_workspace(args.workspace))
    if args.json:
        _print_json(summary.to_dict())
        return 0
    print(f"workspace {summary.workspace} ({summary.path})")
    for table, n in summary.tables.items():
        print(f"  {table:<13} {n:>10,} rows")
    print(f"  dates         {summary.date_start or '-'} .. {summary.date_end or '-'}")
    revenue = "-" if summary.revenue is None else f"{summary.revenue:,.2f}"
    print(
        f"  customers {summary.customers:,}  products {summary.products:,}  orders {summary.orders:,}"
        f"  revenue {revenue}"
    )
    for cat in summary.categories:
        print(f"  category      {cat['category']} ({cat['products']} products)")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core.ingest.pipeline import ingest
    from core.workspace import open_workspace

    overrides = {}
    for item in args.map or []:
        source, sep, field = item.partition("=")
        if not sep:
            raise PersonaLensError(f"--map takes SOURCE=FIELD (or SOURCE= to ignore a column), not {item!r}")
        overrides[source] = field
    result = ingest(
        open_workspace(args.workspace),
        [Path(f) for f in args.files],
        role=args.role,
        overrides=overrides or None,
        mode=args.mode,
        dry_run=args.dry_run,
    )
    if args.json:
        _print_json(
            {"committed": result.committed, "files": [r.to_dict() for r in result.reports], "health": result.health}
        )
        return 0
    verb = "committed" if result.committed else "checked (nothing written)"
    for r in result.reports:
        print(
            f"{r.source}: {r.role}, {r.rows_read:,} rows read, {r.rows_accepted:,} accepted, "
            f"{r.rows_rejected:,} rejected; {verb}"
        )
        for column, field in r.proposal.mapping().items():
            print(f"  {column} -> {field}")
        for table, n in (r.written or r.tables).items():
            print(f"  {table}: {n:,} rows {'written' if r.written else 'ready'}")
        for warning in r.warnings:
            print(f"  note: {warning}")
    for note in result.health:
        print(f"health: {note}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from core import kinds, runs
    from core.spark import engine
    from core.workspace import open_workspace

    wanted = [m.strip() for m in args.models.split(",") if m.strip()]
    wanted = list(kinds.NAMES) if wanted == ["all"] else wanted
    unknown = [m for m in wanted if m not in kinds.NAMES]
    if unknown or not wanted:
        raise PersonaLensError(
            f"cannot train {', '.join(unknown) or 'nothing'}: models available are {', '.join(kinds.NAMES)} (or all)"
        )
    options = kinds.TrainOptions(
        seed=args.seed,
        n_personas=args.n_personas,
        n_topics=args.n_topics,
        persona_groups=tuple(g for g in (args.persona_groups or "").split(",") if g) or None,
        persona_weights=_weights(args.persona_weights),
        engine=engine.check_engine(args.engine),
        spark_master=args.spark_master,
        spark_conf=tuple(args.spark_conf or ()),
        handoff=args.handoff_dir,
    )
    if options.engine == engine.SPARK:
        engine.configure(
            engine.SparkSettings(options.spark_master, engine.parse_conf(options.spark_conf), options.handoff)
        )
    ws = open_workspace(args.workspace)
    reporter = runs.RunReporter(ws, args.run_id) if args.run_id else None
    printer = _progress_printer(args.json)

    def report(fraction: float, message: str) -> None:
        printer(fraction, message)
        if reporter:
            reporter.progress(fraction, message)

    try:
        with runs.training_lock(ws):
            results = runs.train_models(ws, wanted, options, args.promote, report)
    except BaseException as exc:
        if reporter:
            reporter.finish({}, user_message(exc))
        raise
    finally:
        engine.stop()
    failed = {k: r["error"] for k, r in results.items() if "error" in r}
    if reporter:
        reporter.finish(results, "; ".join(f"{k}: {e}" for k, e in failed.items()) or None)
    if args.json:
        _print_json(results)
    else:
        _print_training(results, options.engine)
    return 1 if failed and len(failed) == len(results) else 0


def _weights(text: str | None) -> dict[str, float] | None:
    if not text:
        return None
    try:
        found = json.loads(text)
        return {str(k): float(v) for k, v in found.items()}
    except (ValueError, AttributeError, TypeError) as exc:
        raise PersonaLensError(f'--persona-weights must be JSON such as {{"text": 0.5}}, not {text!r}') from exc


def _print_training(results: dict[str, dict], engine: str) -> None:
    from core.topics.models import METHOD_LABELS

    for kind, r in results.items():
        if "error" in r:
            print(f"{kind}: not trained: {r['error']}")
            continue
        promoted = "" if r.get("promoted", True) else " (kept as a candidate: not better than the active version)"
        if r.get("engine") != engine:
            promoted += f" (trained locally: {kind} has no {engine} trainer)"
        elif engine != "local":
            promoted += f" (trained on {engine})"
        if kind == "personas":
            print(
                f"personas: version {r['version']}, {r['n_personas']} personas, silhouette {r['silhouette']}, "
                f"{r['seconds']} s{promoted}"
            )
        elif kind == "sentiment":
            print(
                f"sentiment: version {r['version']}, model {r['chosen']}, {r['reviews_scored']:,} reviews scored, "
                f"{r['seconds']} s{promoted}"
            )
            print(f"  {r['note']}")
        elif kind == "topics":
            print(
                f"topics: version {r['version']}, {r['k']} topics ({METHOD_LABELS.get(r['method'], r['method'])}), "
                f"NPMI {r['npmi']}, "
                f"diversity {r['diversity']}, {r['seconds']} s{promoted}"
            )
            for label in r["topics"]:
                print(f"  {label}")
        elif kind == "propensity":
            print(
                f"propensity: version {r['version']}, per {r['level']}, next {r['horizon_days']} days, "
                f"AUC {r['auc']} (recency-frequency baseline {r['baseline_auc']}), {r['seconds']} s{promoted}"
            )
        else:
            print(f"recs: version {r['version']}, default model {r['best']}, {r['seconds']} s{promoted}")
            for name, ndcg in r["ndcg@10"].items():
                print(f"  {name:<20} NDCG@10 {'-' if ndcg is None else f'{ndcg:.4f}'}")
            for name, error in r["failed"].items():
                print(f"  {name:<20} not trained: {error}")


def _progress_printer(quiet: bool) -> Callable[[float, str], None]:
    """Progress lines on stderr (stdout stays clean for --json and pipes)."""

    def report(fraction: float, message: str) -> None:
        if not quiet and sys.stderr.isatty():
            print(f"[{fraction:4.0%}] {message}", file=sys.stderr)

    return report


def cmd_whatif(args: argparse.Namespace) -> int:
    from core.whatif.campaign import Offer, audience_export, simulate
    from core.whatif.service import load_propensity
    from core.workspace import open_workspace

    ws = open_workspace(args.workspace)
    bundle = load_propensity(ws)
    if bundle is None:
        raise PersonaLensError("no propensity model yet: run `python -m core train --models propensity` first")
    kind, _, target = args.offer.partition("=")
    if kind not in ("category", "product") or not target.strip():
        raise PersonaLensError("--offer takes category=NAME or product=ID")
    offer = Offer(
        kind,
        target.strip(),
        args.discount,
        args.cost,
        margin=args.margin,
        discount_lift=args.discount_lift,
        use_history=not args.assume,
    )
    result = simulate(bundle, parse_audience(args.audience, bundle.persona_names, args.top), offer)
    if args.export:
        from core.recs.service import load_recs

        recs = load_recs(ws)
        titles = recs.top_titles(result.customers["customer_id"]) if recs is not None else None
        write_csv(audience_export(result, titles), args.export)
    if args.json:
        _print_json(result.to_dict())
        return 0
    low, high = result.interval
    print(f"{result.offer} to {result.reach:,} customers, next {result.horizon_days} days:")
    print(f"  expected responders {result.expected_responders:,.1f} (95% interval {low:,.1f}-{high:,.1f})")
    print(
        f"  expected revenue {result.expected_revenue:,.2f}, margin after contact costs {result.expected_margin:,.2f}"
    )
    print(f"  uplift over a random audience of the same size: {result.uplift:+.0%}")
    print(f"  response model: {result.response_model}")
    for line in result.assumptions:
        print(f"  assumption: {line}")
    return 0


def parse_audience(specs: list[str] | None, persona_names: dict[int, str], top: int | None):  # noqa: ANN201
    """--audience persona=1,2 segment=Champions tone=positive gender=Female location=Leeds age=25-40
    affinity=CATEGORY:0.2 (each repeatable; persona takes ids or names)."""
    from core.whatif.campaign import Audience

    fields: dict[str, object] = {"top_n": top}
    by_name = {name.lower(): pid for pid, name in persona_names.items()}
    for spec in specs or []:
        key, _, value = spec.partition("=")
        values = tuple(v.strip() for v in value.split(",") if v.strip())
        if not values:
            raise PersonaLensError(f"--audience {spec!r}: say which, e.g. persona=1,2")
        if key == "persona":
            ids = []
            for v in values:
                found = int(v) if v.lstrip("-").isdigit() else by_name.get(v.lower())
                if found is None or found not in persona_names:
                    raise PersonaLensError(f"no persona {v!r}: personas are {_persona_list(persona_names)}")
                ids.append(found)
            fields["personas"] = tuple(ids)
        elif key in ("segment", "tone", "gender", "location"):
            fields[f"{key}s"] = values
        elif key == "age":
            low, _, high = values[0].partition("-")
            fields["age_min"], fields["age_max"] = (int(low) if low else None), (int(high) if high else None)
        elif key == "affinity":
            category, _, share = values[0].partition(":")
            fields["affinity_category"], fields["min_affinity"] = category, float(share or 0.0)
        else:
            raise PersonaLensError(
                f"--audience {spec!r}: use persona=, segment=, tone=, gender=, location=, age= or affinity="
            )
    return Audience(**fields)


def _persona_list(names: dict[int, str]) -> str:
    return ", ".join(f"{pid} ({name})" for pid, name in sorted(names.items())) or "none (train personas first)"


def cmd_recommend(args: argparse.Namespace) -> int:

    from core.recs.service import RecFilters, load_recs
    from core.workspace import open_workspace

    if bool(args.user) == bool(args.all_users):
        raise PersonaLensError("give either --user ID or --all-users")
    bundle = load_recs(open_workspace(args.workspace))
    if bundle is None:
        raise PersonaLensError("no recommendations yet: run `python -m core train --models recs` first")
    filters = RecFilters(
        categories=tuple(args.category or ()),
        price_min=args.price_min,
        price_max=args.price_max,
        exclude_seen=not args.include_seen,
    )
    users = None if args.all_users else args.user
    frame = bundle.recommend_many(users, k=args.k, model=args.model, filters=filters, progress=_progress_printer(False))
    if args.output:
        write_csv(frame, args.output)
        print(
            f"wrote {len(frame):,} recommendations for {frame['customer_id'].nunique():,} customers "
            f"({args.model or bundle.best}) to {args.output}"
        )
    else:
        print(to_csv_text(frame), end="")
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    from core.messages.checks import load_grounds
    from core.messages.facts import OfferSpec, load_context
    from core.messages.service import CopyRequest, write_copy
    from core.workspace import open_workspace

    ws = open_workspace(args.workspace)
    recs = None
    if args.customer:
        from core.recs.service import load_recs

        recs = load_recs(ws)
    request = CopyRequest(
        persona_id=args.persona,
        offer=OfferSpec.parse(args.offer, args.discount, args.ends),
        channel=args.channel,
        tone=args.tone,
        variants=args.variants,
        generator=args.generator,
        seed=args.seed,
        customer_id=args.customer,
    )
    copy = write_copy(load_context(ws, recs), load_grounds(ws), request)
    if args.json:
        _print_json(copy.to_dict())
        return 0
    print(f"{copy.sheet.persona_name} · {copy.request.channel} · {copy.tone} tone · {copy.generator}")
    if copy.fallback:
        print(f"note: {copy.fallback}")
    print("\nfacts:")
    for fact in copy.sheet.facts:
        print(f"  {fact.id:<24} {fact.text}")
    for i, checked in enumerate(copy.variants, 1):
        verdict = checked.verdict
        print(f"\nvariant {i} ({'all checks pass' if verdict.ok else f'{len(verdict.problems)} problem(s)'}):")
        for name, text in checked.variant.fields:
            shown = text.replace("\n", "\n      ")
            print(f"  {name}: {shown}")
        for problem in verdict.problems:
            print(f"  ! {problem.check}: {problem.message}")
    print(f"\ndistinct-2 across the set: {copy.distinct_2:.2f}")
    return 0


def cmd_campaigns(args: argparse.Namespace) -> int:
    from core.campaigns.readout import campaigns, readout
    from core.workspace import open_workspace

    ws = open_workspace(args.workspace)
    found = campaigns(ws)
    if found.empty:
        raise PersonaLensError("no campaign results yet: ingest a results export (campaign, customer, group, outcomes)")
    names = [args.campaign] if args.campaign else found["campaign"].tolist()
    readouts = [readout(ws, name, args.metric) for name in names]
    if args.json:
        _print_json([r.to_dict() for r in readouts])
        return 0
    for r in readouts:
        print(f"{r.campaign} ({args.metric}):")
        for row in r.rates.itertuples():
            print(
                f"  {row.ab_group:<10} {row.successes:>7,.0f} of {row.sent:>7,} = {row.rate:6.2%}  "
                f"(95% interval {row.low:.2%} to {row.high:.2%})"
            )
        for line in r.comparisons["verdict"]:
            print(f"  -> {line}")
    return 0


def cmd_clv(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from core.value.service import customer_value, holdout_check, purchase_days
    from core.workspace import open_workspace

    ws = open_workspace(args.workspace)
    model, forecast = customer_value(ws, horizon=args.horizon, seed=args.seed)
    check = holdout_check(purchase_days(ws)) if args.check else None
    if args.output:
        write_csv(forecast, args.output)
    summary = {
        "customers": len(forecast),
        "horizon_days": args.horizon,
        "expected_purchases": round(float(forecast["expected_purchases"].sum()), 1),
        "expected_value": round(float(forecast["clv"].sum()), 2),
        "bgnbd": asdict(model.purchases),
        "gamma_gamma": asdict(model.spend),
        "holdout_check": check.to_dict() if check else None,
        "output": args.output,
    }
    if args.json:
        _print_json(summary)
    elif not args.output:
        print(to_csv_text(forecast), end="")
    else:
        print(
            f"wrote {len(forecast):,} customers' expected purchases and value over {args.horizon} days "
            f"to {args.output} (total {summary['expected_value']:,.2f})"
        )
        if check:
            print(
                f"held-out check ({check.holdout_days} days after {check.cutoff.date()}): "
                f"Spearman {check.spearman:.3f} against {check.baseline_spearman:.3f} for 'same as last period'"
            )
    return 0


def cmd_sentiment(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core.sentiment.service import score_file
    from core.workspace import open_workspace

    result = score_file(open_workspace(args.workspace), Path(args.input), args.text_column, Path(args.output))
    columns = "sentiment_label, sentiment_score" + (", domain_shift" if result.domain_shift is not None else "")
    print(f"wrote {result.rows:,} rows with {columns} to {args.output}: {result.in_words()}")
    return 0


def cmd_labels(args: argparse.Namespace) -> int:
    """Sentiment labels: import answers, export them, or list what to ask next (the Teach tab's CLI twin)."""
    import pandas as pd

    from core.sentiment import labels
    from core.workspace import open_workspace

    ws = open_workspace(args.workspace)
    if args.import_file:
        try:
            frame = pd.read_csv(args.import_file, dtype=str, keep_default_na=False)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise PersonaLensError(f"cannot read {args.import_file} as CSV: {exc}") from exc
        missing = {"review_id", "label"} - set(frame.columns)
        if missing:
            raise PersonaLensError(
                f"{args.import_file} needs the columns review_id and label (missing: {', '.join(sorted(missing))})"
            )
        given = dict(zip(frame["review_id"], frame["label"].str.strip().str.lower(), strict=True))
        print(f"stored {labels.add_labels(ws, given):,} labels; retrain sentiment to use them")
    if args.export:
        write_csv(labels.current_labels(ws), args.export)
        print(f"wrote {sum(labels.label_counts(ws).values()):,} labels to {args.export}")
    if args.ask:
        questions = labels.next_questions(ws, args.ask)
        print(to_csv_text(questions[["review_id", "suggestion", "certainty", "text"]]), end="")
    if not (args.import_file or args.export or args.ask):
        print(", ".join(f"{label} {n:,}" for label, n in labels.label_counts(ws).items()))
    return 0


def cmd_topics(args: argparse.Namespace) -> int:
    from core.topics.service import topics
    from core.workspace import open_workspace

    frame = topics(open_workspace(args.workspace))
    if frame.empty:
        raise PersonaLensError("no topics yet: run `python -m core train --models topics` first")
    records = [
        {
            "id": int(r.id),
            "label": r.label,
            "top_terms": list(r.top_terms),
            "share": round(float(r.share), 4),
            "avg_sentiment": None
            if r.avg_sentiment is None or r.avg_sentiment != r.avg_sentiment
            else round(float(r.avg_sentiment), 4),
        }
        for r in frame.itertuples(index=False)
    ]
    if args.json:
        _print_json(records)
        return 0
    for r in records:
        tone = "-" if r["avg_sentiment"] is None else f"{r['avg_sentiment']:+.2f}"
        print(f"{r['id']:>3} {r['label']:<40} {r['share']:>6.1%} of reviews, tone {tone}: {', '.join(r['top_terms'])}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:

    from core.personas.service import assignments
    from core.workspace import open_workspace

    frame = assignments(open_workspace(args.workspace))
    if frame.empty:
        raise PersonaLensError("no personas yet: run `python -m core train --models personas` first")
    write_csv(frame, args.output)
    print(f"wrote {len(frame):,} rows to {args.output}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from core.workspace import open_workspace

    ws = open_workspace(args.workspace)
    if args.task == "recs":
        return _evaluate_recs(ws, args)
    if args.task in ("sentiment", "topics"):
        return _evaluate_text(ws, args)
    from core.personas.service import assignments, load_model

    model, current = load_model(ws), assignments(ws)
    if model is None or current.empty:
        raise PersonaLensError("no personas yet: run `python -m core train --models personas` first")
    sizes = current.groupby(["persona_id", "persona_name"]).size()
    result = {
        "task": "personas",
        "n_personas": int(current["persona_id"].nunique()),
        "silhouette": round(model.silhouette_, 4),
        "k_scores": [{"k": c.k, "silhouette": round(c.silhouette, 4)} for c in model.k_scores_],
        "sizes": [{"persona_id": int(p), "persona_name": n, "customers": int(c)} for (p, n), c in sizes.items()],
    }
    if args.json:
        _print_json(result)
    else:
        print(f"{result['n_personas']} personas, silhouette {result['silhouette']}")
        for row in result["sizes"]:
            print(f"  {row['persona_id']:>2} {row['persona_name']:<40} {row['customers']:>7,}")
    return 0


def _evaluate_recs(ws, args: argparse.Namespace) -> int:  # noqa: ANN001 - a Workspace
    from core.recs.data import load_interactions
    from core.recs.evaluate import evaluate_models
    from core.recs.service import persona_groups
    from core.recs.split import natural_protocol

    data = load_interactions(ws)
    models = [m.strip() for m in args.models.split(",")] if args.models else None
    protocol = args.protocol or natural_protocol(data.pairs)
    evaluation = evaluate_models(
        data, persona_groups(ws, data), models, protocol, args.k, args.seed, progress=_progress_printer(args.json)
    )
    if args.json:
        _print_json({"task": "recs", **evaluation.to_dict()})
        return 0
    print(
        f"protocol {evaluation.protocol}, k={evaluation.k}, seed {evaluation.seed}: "
        f"{evaluation.users_scored:,} customers scored over {evaluation.n_items:,} products"
    )
    print(evaluation.frame().drop(columns=["label"]).to_string(index=False))
    return 0


def _evaluate_text(ws, args: argparse.Namespace) -> int:  # noqa: ANN001 - a Workspace
    from core.sentiment.service import compare_models, review_texts

    reviews = review_texts(ws)
    if args.task == "sentiment":
        rated = reviews.dropna(subset=["rating"])
        if rated.empty:
            raise PersonaLensError("no star-rated reviews to measure sentiment models against")
        result = {
            "task": "sentiment",
            "reviews": len(rated),
            "models": [
                asdict(c)
                for c in compare_models(
                    rated["text"].tolist(), rated["rating"].to_numpy(), args.seed, _progress_printer(args.json)
                )
            ],
        }
    else:
        from core.topics.service import choose, prepare, search

        if len(reviews) < 20:
            raise PersonaLensError("too few reviews with text to measure topic models on")
        _, corpus = prepare(reviews["text"].tolist())
        candidates, _ = search(corpus, seed=args.seed, progress=_progress_printer(args.json))
        chosen = choose(candidates)
        result = {
            "task": "topics",
            "reviews": len(reviews),
            "chosen": asdict(chosen),
            "candidates": [asdict(c) for c in candidates],
        }
    if args.json:
        _print_json(result)
        return 0
    rows = result["models"] if args.task == "sentiment" else result["candidates"]
    for row in rows:
        print("  ".join(f"{k}={v}" for k, v in row.items()))
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from core import registry
    from core.workspace import open_workspace

    ws = open_workspace(args.workspace)
    if args.promote:
        kind = registry.find_kind(ws, args.promote)
        registry.activate(ws, kind, args.promote)
        print(f"{kind} version {args.promote} is now active")
        return 0
    if args.rollback:
        print(f"{args.rollback} rolled back to version {registry.rollback(ws, args.rollback)}")
        return 0
    if args.delete:
        kind = registry.find_kind(ws, args.delete)
        registry.delete(ws, kind, args.delete)
        print(f"deleted {kind} version {args.delete}")
        return 0
    frame = registry.overview(ws)
    if args.json:
        _print_json(frame.to_dict("records"))
        return 0
    if frame.empty:
        print("no models trained yet: python -m core train --workspace W --models all")
    for r in frame.itertuples(index=False):
        value = "-" if r.value is None or r.value != r.value else f"{r.value:.3f}"
        print(f"{r.kind:<10} {r.version}  {r.status:<8} {r.metric} {value:<7} {'stale' if r.stale else ''}")
    return 0


def cmd_workspaces(args: argparse.Namespace) -> int:
    from core.workspace import create_named_workspace, delete_workspace, list_workspaces

    if args.action == "create":
        print(f"created {create_named_workspace(_need_name(args)).path}")
    elif args.action == "delete":
        print(f"deleted {delete_workspace(_need_name(args))}")
    else:
        found = list_workspaces()
        if args.json:
            _print_json([{"name": w.name, "path": str(w.path), "created_at": w.created_at} for w in found])
            return 0
        if not found:
            print(f"no workspaces under {workspaces_home()}")
        for w in found:
            print(f"{w.name:<20} {w.created_at:<26} {w.path}")
    return 0


def _need_name(args: argparse.Namespace, command: str = "workspaces", what: str = "a workspace name or path") -> str:
    if not args.name:
        raise PersonaLensError(f"'{command} {args.action}' needs {what}")
    return args.name


def cmd_users(args: argparse.Namespace) -> int:
    """Users of the `password` sign-in mode (see core.auth); the password is read from stdin."""
    from core import auth

    if args.action == "add":
        if not args.name or not args.role:
            raise PersonaLensError("'users add' needs a NAME and --role viewer|analyst|admin")
        password = sys.stdin.readline().rstrip("\n")
        user = auth.add_user(args.name, password, args.role)
        print(f"added {user.name} ({user.role}); grant workspaces with 'users grant {user.name} WORKSPACE ROLE'")
    elif args.action == "remove":
        auth.remove_user(_need_name(args, "users", "a user name"))
        print(f"removed {args.name}")
    elif args.action == "grant":
        if not args.name or not args.workspace or not args.grant_role:
            raise PersonaLensError("'users grant' needs NAME WORKSPACE ROLE (viewer, analyst, admin or none)")
        user = auth.grant(args.name, args.workspace, args.grant_role)
        print(f"{user.name}: " + (", ".join(f"{w} {r}" for w, r in user.grants) or "no workspace"))
    else:
        found = auth.list_users()
        if args.json:
            _print_json([{"name": u.name, "role": u.role, "grants": dict(u.grants)} for u in found])
            return 0
        if not found:
            print(f"no users in {auth.users_file()}")
        for u in found:
            print(f"{u.name:<20} {u.role:<8} " + ", ".join(f"{w}: {r}" for w, r in u.grants))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from core import audit
    from core.workspace import open_workspace

    frame = audit.events(open_workspace(args.workspace), args.limit)
    if args.json:
        _print_json(frame.to_dict("records"))
        return 0
    if frame.empty:
        print("nothing recorded yet")
    for row in frame.itertuples(index=False):
        print(f"{row.at}  {row.user:<24} {row.action:<10} {row.what}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="PersonaLens from the command line.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="build (or rebuild) the demo workspace from the seeded simulator")
    demo.add_argument("--workspace", default="demo", help="name under the workspaces home, or a folder path")
    demo.add_argument("--seed", type=int, default=DEMO_SEED)
    demo.add_argument("--write-assets", action="store_true", help="also write the CSVs to assets/demo/")
    demo.add_argument("--skip-models", action="store_true", help="build the data only, train no model")
    demo.add_argument("--json", action="store_true")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(func=cmd_demo)

    info = sub.add_parser("info", help="tables, row counts, date range and categories of a workspace")
    info.add_argument("--workspace", required=True)
    info.add_argument("--json", action="store_true")
    info.set_defaults(func=cmd_info)

    ing = sub.add_parser("ingest", help="read, map, validate and commit exports into a workspace")
    ing.add_argument("--workspace", required=True)
    ing.add_argument("files", nargs="+", metavar="FILE")
    ing.add_argument(
        "--role",
        choices=["interactions", "reviews", "products", "customers"],
        help="what the file holds (detected when omitted)",
    )
    ing.add_argument(
        "--map",
        action="append",
        metavar="SRC=FIELD",
        help="map a source column to a field; SRC= ignores the column (repeatable)",
    )
    ing.add_argument("--mode", choices=["append", "replace"], default="append")
    ing.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    ing.add_argument("--json", action="store_true", help="print the validation report as JSON")
    ing.set_defaults(func=cmd_ingest)

    train = sub.add_parser("train", help="train models on a workspace's data")
    train.add_argument("--workspace", required=True)
    train.add_argument("--models", default="all", help="comma-separated: " + ", ".join(kinds.NAMES) + " or all")
    train.add_argument("--n-personas", type=int, help="fix the number of personas (default: chosen by silhouette)")
    train.add_argument("--seed", type=int, default=42, help="seed of the validation split and the models")
    train.add_argument("--n-topics", type=int, help="fix the number of topics (default: chosen by coherence)")
    train.add_argument("--persona-groups", help="comma-separated profile groups personas are built from (default: all)")
    train.add_argument("--persona-weights", help='JSON weight per profile group, e.g. {"text": 0.5}')
    train.add_argument(
        "--promote",
        choices=["auto", "never", "always"],
        default="auto",
        help="serve the new versions: auto = only when at least as good as the active ones",
    )
    train.add_argument(
        "--engine",
        default="local",
        help="local (default: this machine) or spark (Apache Spark, for stores too large for one machine; "
        "needs requirements-spark.txt and Java 17+)",
    )
    train.add_argument("--spark-master", help="Spark master: local[*] (default), spark://HOST:7077, yarn, ...")
    train.add_argument(
        "--spark-conf", action="append", metavar="KEY=VALUE", help="Spark setting, e.g. spark.executor.memory=8g"
    )
    train.add_argument(
        "--handoff-dir", help="folder the Spark job reads and writes (shared by driver and executors on a cluster)"
    )
    train.add_argument("--run-id", help=argparse.SUPPRESS)  # set by core.runs for background runs
    train.add_argument("--json", action="store_true")
    train.set_defaults(func=cmd_train)

    rec = sub.add_parser("recommend", help="top products per customer, with scores and reasons, as CSV")
    rec.add_argument("--workspace", required=True)
    rec.add_argument("--user", action="append", metavar="ID", help="a customer id (repeatable)")
    rec.add_argument("--all-users", action="store_true", help="every customer with history")
    rec.add_argument("--k", type=int, default=10)
    rec.add_argument("--model", help="a trained recommender (default: the one training chose to serve)")
    rec.add_argument("--category", action="append", help="only products of this category (repeatable)")
    rec.add_argument("--price-min", type=float)
    rec.add_argument("--price-max", type=float)
    rec.add_argument("--include-seen", action="store_true", help="allow products the customer already has")
    rec.add_argument("--output", help="CSV file to write (default: print to stdout)")
    rec.set_defaults(func=cmd_recommend)

    from core.messages import GENERATORS
    from core.messages.channels import CHANNELS, TONES

    cp = sub.add_parser("copy", help="marketing copy for a persona and an offer, with the facts and checks")
    cp.add_argument("--workspace", required=True)
    cp.add_argument("--persona", type=int, required=True, help="persona id (see the Personas page)")
    cp.add_argument("--customer", help="one customer of the persona: adds why they get the offer")
    cp.add_argument("--offer", required=True, help="product=ID or category=NAME")
    cp.add_argument("--discount", type=float, default=0.0, help="share off, e.g. 0.1 for 10%%")
    cp.add_argument("--ends", metavar="YYYY-MM-DD", help="the offer's last day (needed for any deadline in the copy)")
    cp.add_argument("--channel", choices=list(CHANNELS), default="email")
    cp.add_argument("--tone", choices=list(TONES), help="default: the persona's suggested tone")
    cp.add_argument("--variants", type=int, default=3)
    cp.add_argument("--generator", choices=list(GENERATORS), default="template")
    cp.add_argument("--seed", type=int, default=42)
    cp.add_argument("--json", action="store_true")
    cp.set_defaults(func=cmd_copy)

    from core.campaigns.readout import METRICS as CAMPAIGN_METRICS

    camp = sub.add_parser("campaigns", help="campaign readouts: each group's rates with 95%% intervals and a verdict")
    camp.add_argument("--workspace", required=True)
    camp.add_argument("--campaign", help="one campaign (default: every one)")
    camp.add_argument("--metric", choices=list(CAMPAIGN_METRICS), default="converted")
    camp.add_argument("--json", action="store_true")
    camp.set_defaults(func=cmd_campaigns)

    clv = sub.add_parser(
        "clv", help="each customer's expected purchases and value over a horizon (BG/NBD + Gamma-Gamma)"
    )
    clv.add_argument("--workspace", required=True)
    clv.add_argument("--horizon", type=int, default=365, help="days ahead (default 365)")
    clv.add_argument("--output", help="CSV file to write (default: print to stdout)")
    clv.add_argument("--check", action="store_true", help="also fit before a cutoff and score the held-out period")
    clv.add_argument("--seed", type=int, default=42)
    clv.add_argument("--json", action="store_true", help="print a summary (and the check) as JSON")
    clv.set_defaults(func=cmd_clv)

    whatif = sub.add_parser("whatif", help="simulate a campaign: reach, responders, revenue, interval, uplift")
    whatif.add_argument("--workspace", required=True)
    whatif.add_argument(
        "--audience",
        action="append",
        metavar="KEY=VALUES",
        help="persona=ID[,ID], segment=NAME, tone=positive, gender=, location=, age=25-40, affinity=CATEGORY:0.2 "
        "(repeatable; all must hold; default everyone)",
    )
    whatif.add_argument("--offer", required=True, help="category=NAME or product=ID")
    whatif.add_argument("--discount", type=float, default=0.0, help="share off the price, e.g. 0.1")
    whatif.add_argument("--cost", type=float, default=0.0, help="cost per contact")
    whatif.add_argument("--margin", type=float, default=0.4, help="gross margin as a share of the list price")
    whatif.add_argument("--discount-lift", type=float, default=0.25, help="assumed odds increase per 10%% off")
    whatif.add_argument(
        "--assume",
        action="store_true",
        help="use --discount-lift even when a response model was fitted on past campaigns",
    )
    whatif.add_argument("--top", type=int, help="contact only the N customers with the highest expected value")
    whatif.add_argument("--export", metavar="CSV", help="write the ranked audience with top recommendations")
    whatif.add_argument("--json", action="store_true")
    whatif.set_defaults(func=cmd_whatif)

    senti = sub.add_parser("sentiment", help="add sentiment_label and sentiment_score to a CSV of texts")
    senti.add_argument("--workspace", required=True, help="whose trained model to use (VADER if none)")
    senti.add_argument("--input", required=True)
    senti.add_argument("--text-column", required=True)
    senti.add_argument("--output", required=True)
    senti.set_defaults(func=cmd_sentiment)

    labelling = sub.add_parser("labels", help="sentiment labels taught by your team: import, export, what to ask next")
    labelling.add_argument("--workspace", required=True)
    labelling.add_argument(
        "--import", dest="import_file", metavar="CSV", help="store answers: columns review_id, label"
    )
    labelling.add_argument("--export", metavar="CSV", help="write every current label with its text, who and when")
    labelling.add_argument("--ask", type=int, metavar="N", help="print the N reviews to label next (CSV)")
    labelling.set_defaults(func=cmd_labels)

    tops = sub.add_parser("topics", help="the current topics: label, top terms, share, average sentiment")
    tops.add_argument("--workspace", required=True)
    tops.add_argument("--json", action="store_true")
    tops.set_defaults(func=cmd_topics)

    export = sub.add_parser("export", help="export results as CSV")
    export.add_argument("--workspace", required=True)
    export.add_argument("--what", choices=["personas"], required=True)
    export.add_argument("--output", required=True)
    export.set_defaults(func=cmd_export)

    evaluate = sub.add_parser("evaluate", help="measure a trained model")
    evaluate.add_argument("--workspace", required=True)
    evaluate.add_argument("--task", choices=["personas", "recs", "sentiment", "topics"], required=True)
    evaluate.add_argument(
        "--protocol",
        choices=["stratified", "last"],
        help="recs only (default: last for orders, stratified for ratings, as training measures)",
    )
    evaluate.add_argument("--k", type=int, default=10, help="recs only: list length")
    evaluate.add_argument("--seed", type=int, default=42)
    evaluate.add_argument("--models", help="recs only: comma-separated recommenders (default: all)")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(func=cmd_evaluate)

    mdl = sub.add_parser("models", help="model versions: list, promote, roll back, delete")
    mdl.add_argument("--workspace", required=True)
    action = mdl.add_mutually_exclusive_group()
    action.add_argument("--promote", metavar="VERSION", help="make this version the active one")
    action.add_argument(
        "--rollback",
        metavar="KIND",
        choices=["personas", "sentiment", "topics", "recs"],
        help="make the version before the active one active again",
    )
    action.add_argument("--delete", metavar="VERSION", help="remove a version that is not active")
    mdl.add_argument("--json", action="store_true")
    mdl.set_defaults(func=cmd_models)

    wss = sub.add_parser("workspaces", help="list, create or delete workspaces")
    wss.add_argument("action", nargs="?", choices=["list", "create", "delete"], default="list")
    wss.add_argument("name", nargs="?")
    wss.add_argument("--json", action="store_true")
    wss.set_defaults(func=cmd_workspaces)

    users = sub.add_parser("users", help="users of the password sign-in (the password is read from stdin)")
    users.add_argument("action", nargs="?", choices=["list", "add", "remove", "grant"], default="list")
    users.add_argument("name", nargs="?")
    users.add_argument("workspace", nargs="?", help="for grant: the workspace")
    users.add_argument("grant_role", nargs="?", metavar="ROLE", help="for grant: viewer, analyst, admin or none")
    users.add_argument("--role", choices=["viewer", "analyst", "admin"], help="for add: admin sees every workspace")
    users.add_argument("--json", action="store_true")
    users.set_defaults(func=cmd_users)

    aud = sub.add_parser("audit", help="who uploaded, trained, promoted, deleted, exported or unmasked what")
    aud.add_argument("--workspace", required=True)
    aud.add_argument("--limit", type=int)
    aud.add_argument("--json", action="store_true")
    aud.set_defaults(func=cmd_audit)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.func
    try:
        with storage.waiting_notice(lambda message: print(message, file=sys.stderr)):
            return handler(args)
    except PersonaLensError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line, unless asked for details
        if os.environ.get("PERSONALENS_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc} (set PERSONALENS_DEBUG=1 for details)", file=sys.stderr)
        return 1
