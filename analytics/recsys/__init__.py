"""Learning-material recommenders (user/item kNN, popularity, content, hybrid) and their evaluation."""

from analytics.recsys.base import Recommender
from analytics.recsys.content import ContentBased, Hybrid, encode_item_features
from analytics.recsys.evaluate import evaluate_methods, make_recommender, metric_vs_k
from analytics.recsys.item_knn import ItemKNN
from analytics.recsys.matrix import InteractionMatrix, build_interaction_matrix
from analytics.recsys.popularity import Popularity
from analytics.recsys.split import temporal_split
from analytics.recsys.synthetic import make_synthetic_recsys_data
from analytics.recsys.user_knn import UserKNN

__all__ = [
    "ContentBased",
    "Hybrid",
    "InteractionMatrix",
    "ItemKNN",
    "Popularity",
    "Recommender",
    "UserKNN",
    "build_interaction_matrix",
    "encode_item_features",
    "evaluate_methods",
    "make_recommender",
    "make_synthetic_recsys_data",
    "metric_vs_k",
    "temporal_split",
]
