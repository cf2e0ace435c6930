"""Training on Apache Spark for stores that outgrow one machine (an optional install: requirements-spark.txt).

`engine` finds and starts Spark, `handoff` writes what a job reads (Parquet, through DuckDB), and
`jobs` holds the jobs themselves: MLlib ALS, KMeans and LDA. The jobs use DataFrame and MLlib calls
only (no Python functions shipped to executors), so a cluster needs nothing of PersonaLens installed.
Nothing here is imported unless the Spark engine is chosen.
"""
