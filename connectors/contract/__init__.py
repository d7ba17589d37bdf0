"""What a connector and the daemon agree on: the event a connector returns (`events`), the dates it
reads (`dates`), the shapes of a polled and a webhook connector (`protocols`) and the errors it raises
(`errors`). The daemon (`watcher`) imports these; nothing here imports the daemon."""
