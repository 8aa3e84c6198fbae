"""The public pages: views by family (home, search, places, browse, flyers, embed,
submissions), their forms, sitemaps, structured data, template tags and context."""
