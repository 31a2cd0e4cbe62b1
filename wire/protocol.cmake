# strand_proto: Kafka request/response codecs. Sources are added as they land.
