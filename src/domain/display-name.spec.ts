import { displayNameOf } from './display-name';

describe(displayNameOf.name, () => {
  it('should join title, first and last name as ESR holds them', () => {
    expect(displayNameOf({ title: 'Mr', firstName: 'Jordan', lastName: 'Ashworth' })).toBe('Mr Jordan Ashworth');
    expect(displayNameOf({ title: null, firstName: ' Priya ', lastName: 'Patel' })).toBe('Priya Patel');
    expect(displayNameOf({ firstName: 'Wei', lastName: '' })).toBe('Wei');
  });

  it('should be null when ESR gave no first or last name (a title alone names nobody)', () => {
    expect(displayNameOf({})).toBeNull();
    expect(displayNameOf({ title: 'Dr', firstName: null, lastName: '  ' })).toBeNull();
  });

  it('should keep at most 200 characters', () => {
    expect(displayNameOf({ firstName: 'A'.repeat(150), lastName: 'B'.repeat(150) })).toHaveLength(200);
  });
});
