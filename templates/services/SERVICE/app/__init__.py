{{ header_hash }}
