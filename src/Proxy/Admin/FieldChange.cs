namespace LlmProxy.Admin;

/// <summary>
/// One field of a create or PATCH body: <see cref="Present"/> when the body has it (then <see cref="Value"/> replaces
/// the current value; a null <see cref="Value"/> clears a nullable field), absent when it leaves the value alone.
/// </summary>
internal readonly record struct FieldChange<T>(bool Present, T Value)
{
    public static FieldChange<T> Set(T value) => new(true, value);

    public T Or(T current) => Present ? Value : current;
}
