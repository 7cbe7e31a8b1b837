"""Official documents (公文): their numbers (发文字号) and their GB/T 9704-2012 page layout."""
