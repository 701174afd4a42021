using Ogrt.Agent.Capture;

namespace Ogrt.Agent.Service;

/// <summary>
/// The passwd name of a uid (getpwuid_r), cached: a directory service (LDAP, sssd) must not be
/// asked once per process. Entries expire so renamed or new accounts show up.
/// </summary>
internal sealed class UserNameCache
{
    private const int MaxEntries = 65536;
    private readonly Dictionary<uint, (byte[] Name, long Expires)> _names = [];
    private readonly long _lifetimeMilliseconds;

    public UserNameCache(TimeSpan lifetime)
    {
        _lifetimeMilliseconds = (long)lifetime.TotalMilliseconds;
    }

    /// <summary>The name, or empty for a uid without a passwd entry (then no username is sent).</summary>
    public ReadOnlySpan<byte> NameOf(uint uid, long nowMilliseconds)
    {
        if (_names.TryGetValue(uid, out var entry) && entry.Expires > nowMilliseconds)
            return entry.Name;
        if (_names.Count >= MaxEntries)
            _names.Clear();
        byte[] name = PasswdName.Of(uid);
        _names[uid] = (name, nowMilliseconds + _lifetimeMilliseconds);
        return name;
    }
}
