"""The recommenders, each behind the same small interface (see base.Recommender)."""

from core.recs.models.base import Recommender, TrainingSet
from core.recs.models.collaborative import ItemKNN, UserKNN
from core.recs.models.content import ContentRecommender
from core.recs.models.ease import EASE
from core.recs.models.factorization import ALS
from core.recs.models.graph import RP3Beta
from core.recs.models.hybrid import Hybrid
from core.recs.models.neural import TwoTower
from core.recs.models.popularity import PersonaPopularity, Popularity
from core.recs.models.spark_als import SparkALS

REGISTRY: dict[str, type[Recommender]] = {
    cls.name: cls
    for cls in (
        Popularity,
        PersonaPopularity,
        ContentRecommender,
        UserKNN,
        ItemKNN,
        EASE,
        RP3Beta,
        ALS,
        SparkALS,
        TwoTower,
    )
}
REGISTRY[Hybrid.name] = Hybrid

__all__ = ["REGISTRY", "Recommender", "TrainingSet", "Hybrid"]
