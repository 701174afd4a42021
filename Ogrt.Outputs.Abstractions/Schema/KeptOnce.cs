namespace Ogrt.Outputs.Abstractions.Schema;

/// <summary>
/// Values derived from read-only shared data (a message or list many records share), computed on
/// first use and kept. Two threads may both compute a value first; they compute the same one.
/// </summary>
internal static class KeptOnce
{
    public static T Get<TSource, T>(ref T? slot, TSource source, Func<TSource, T> compute)
        where T : class
    {
        var value = Volatile.Read(ref slot);
        if (value is null)
        {
            value = compute(source);
            Volatile.Write(ref slot, value);
        }
        return value;
    }

    /// <summary>The same for a size, where <paramref name="slot"/> holds -1 until computed.</summary>
    public static long Get<TSource>(ref long slot, TSource source, Func<TSource, long> compute)
    {
        long value = Volatile.Read(ref slot);
        if (value < 0)
        {
            value = compute(source);
            Volatile.Write(ref slot, value);
        }
        return value;
    }
}
