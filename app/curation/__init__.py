"""Curation: drafts of the graph extracted from the text of a document, reviewed, then ingested.

``summary`` holds the extraction's typed result (the JSON that tools and tests rely on);
``extract`` turns a text into one; ``ingest`` commits a reviewed draft as one source.
"""
