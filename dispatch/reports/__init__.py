"""Situation reports (初报 / 续报 / 终报): the incident as it stood when command published, frozen."""
