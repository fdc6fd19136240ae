namespace LlmProxy.Storage;

/// <summary>
/// The store cannot be used: its file or folder cannot be opened, is not an llm-proxy database, or was written by a
/// newer llm-proxy. One line naming the file, so start-up can report it like a config error.
/// </summary>
internal sealed class StorageException(string message, Exception? inner = null) : Exception(message, inner);
